"""optic_ad.testing: check gradients, Ops, optics and Backprop instances -- yours too.

For downstream packages as much as for optic_ad itself (install the ``testing`` extra,
which brings Hypothesis; ``import optic_ad`` alone never imports Hypothesis):

* [`check_grad`][optic_ad.testing._gradcheck.check_grad] -- reverse-mode gradients (any order) against central differences,
  for arguments of any registered type; [`check_vjp`][optic_ad.testing._gradcheck.check_vjp] -- an Op's hand-written backward.
* Law checkers that run their own Hypothesis test: [`check_lens_laws`][optic_ad.testing._laws.check_lens_laws],
  [`check_prism_laws`][optic_ad.testing._laws.check_prism_laws], [`check_traversal_laws`][optic_ad.testing._laws.check_traversal_laws], [`check_iso_laws`][optic_ad.testing._laws.check_iso_laws],
  [`check_op_laws`][optic_ad.testing._laws.check_op_laws], [`check_backprop_laws`][optic_ad.testing._laws.check_backprop_laws].
* Strategies: [`arrays`][optic_ad.testing._strategies.arrays], [`floats`][optic_ad.testing._strategies.floats], [`records`][optic_ad.testing._strategies.records], [`values_like`][optic_ad.testing._strategies.values_like], and
  [`register_strategy`][optic_ad.testing._strategies.register_strategy] so that ``st.from_type(MyRecord)`` works.
* Trees: [`leaves`][optic_ad.testing._trees.leaves], [`tree_equal`][optic_ad.testing._trees.tree_equal], [`tree_allclose`][optic_ad.testing._trees.tree_allclose], and
  [`register_leaves`][optic_ad.testing._trees.register_leaves] for a registered type the kit cannot look inside.

Examples:
    >>> import numpy as np
    >>> from optic_ad import numpy as anp, testing
    >>> testing.check_grad(lambda w, x: anp.sum(anp.tanh(x @ w)), np.ones((3, 2)), np.ones(3))
"""

from optic_ad.product import T2, T3, HList
from optic_ad.testing._gradcheck import TOLERANCES as TOLERANCES
from optic_ad.testing._gradcheck import Tolerance as Tolerance
from optic_ad.testing._gradcheck import check_grad as check_grad
from optic_ad.testing._gradcheck import check_vjp as check_vjp
from optic_ad.testing._laws import Const as Const
from optic_ad.testing._laws import check_backprop_laws as check_backprop_laws
from optic_ad.testing._laws import check_iso_laws as check_iso_laws
from optic_ad.testing._laws import check_lens_laws as check_lens_laws
from optic_ad.testing._laws import check_op_laws as check_op_laws
from optic_ad.testing._laws import check_prism_laws as check_prism_laws
from optic_ad.testing._laws import check_traversal_laws as check_traversal_laws
from optic_ad.testing._strategies import arrays as arrays
from optic_ad.testing._strategies import floats as floats
from optic_ad.testing._strategies import records as records
from optic_ad.testing._strategies import register_strategy as register_strategy
from optic_ad.testing._strategies import values_like as values_like
from optic_ad.testing._trees import Leaf as Leaf
from optic_ad.testing._trees import leaves as leaves
from optic_ad.testing._trees import register_leaves as register_leaves
from optic_ad.testing._trees import tree_allclose as tree_allclose
from optic_ad.testing._trees import tree_equal as tree_equal

__all__ = [
    "TOLERANCES",
    "Const",
    "Leaf",
    "Tolerance",
    "arrays",
    "check_backprop_laws",
    "check_grad",
    "check_iso_laws",
    "check_lens_laws",
    "check_op_laws",
    "check_prism_laws",
    "check_traversal_laws",
    "check_vjp",
    "floats",
    "leaves",
    "records",
    "register_leaves",
    "register_strategy",
    "tree_allclose",
    "tree_equal",
    "values_like",
]

# The products keep their parts private; open them for the kit.
for _cls in (T2, T3, HList):
    register_leaves(_cls, tuple, lambda p, parts: type(p)(*parts))
del _cls
