"""optic_ad: heterogeneous reverse-mode automatic differentiation with optics.

Write ``f(x)`` once with operators, `optic_ad.numpy` and optics; run it plainly
([`eval_bp`][optic_ad.runners.eval_bp]) or differentiate it ([`grad_bp`][optic_ad.runners.grad_bp], [`backprop`][optic_ad.runners.backprop], or forward mode with
[`jvp`][optic_ad.forward.jvp]): the gradient has the type of the input.
"""

from optic_ad.bvar import BVar as BVar
from optic_ad.bvar import Num as Num
from optic_ad.bvar import auto as auto
from optic_ad.bvar import const as const
from optic_ad.bvar import over_var as over_var
from optic_ad.bvar import set_var as set_var
from optic_ad.bvar import view_var as view_var
from optic_ad.containers import collect_var as collect_var
from optic_ad.containers import sequence_var as sequence_var
from optic_ad.forward import hvp as hvp
from optic_ad.forward import jacfwd as jacfwd
from optic_ad.forward import jvp as jvp
from optic_ad.forward import linearize as linearize

# ----- higher order and symbolic (issue #4) -----
from optic_ad.higher import derivative as derivative
from optic_ad.higher import hessian as hessian
from optic_ad.higher import jacobian as jacobian

# ----- end higher order -----
from optic_ad.op import Op as Op
from optic_ad.op import no_grad as no_grad
from optic_ad.op import op1 as op1
from optic_ad.op import op2 as op2
from optic_ad.op import op3 as op3
from optic_ad.op import op_const as op_const
from optic_ad.op import op_iso as op_iso

# ----- optics, product types (issue #3) -----
from optic_ad.optic_vars import iso_var as iso_var
from optic_ad.optic_vars import join_var as join_var
from optic_ad.optic_vars import preview_var as preview_var
from optic_ad.optic_vars import split_var as split_var
from optic_ad.optic_vars import to_list_of_var as to_list_of_var
from optic_ad.optics import Iso as Iso
from optic_ad.optics import Lens as Lens
from optic_ad.optics import Lenses as Lenses
from optic_ad.optics import Prism as Prism
from optic_ad.optics import Traversal as Traversal
from optic_ad.optics import each as each
from optic_ad.optics import instance_of as instance_of
from optic_ad.optics import iso as iso
from optic_ad.optics import ix as ix
from optic_ad.optics import just as just
from optic_ad.optics import key as key
from optic_ad.optics import lens as lens
from optic_ad.optics import lenses as lenses
from optic_ad.optics import prism as prism
from optic_ad.optics import traversal as traversal
from optic_ad.product import T2 as T2
from optic_ad.product import T3 as T3
from optic_ad.product import HList as HList

# ----- end optics -----
from optic_ad.records import Numeric as Numeric
from optic_ad.registry import add as add
from optic_ad.registry import one as one
from optic_ad.registry import register as register
from optic_ad.registry import zero as zero
from optic_ad.runners import backprop as backprop
from optic_ad.runners import backprop2 as backprop2
from optic_ad.runners import backprop_n as backprop_n
from optic_ad.runners import backprop_with as backprop_with
from optic_ad.runners import eval_bp as eval_bp
from optic_ad.runners import eval_bp2 as eval_bp2
from optic_ad.runners import grad as grad
from optic_ad.runners import grad_bp as grad_bp
from optic_ad.runners import grad_bp2 as grad_bp2
from optic_ad.runners import value_and_grad as value_and_grad
from optic_ad.tape import EscapedBVarError as EscapedBVarError
from optic_ad.tape import NaNError as NaNError

__version__ = "0.1.0"

# optimisers (issue 7): a submodule, also reachable as ad.optim
from optic_ad import optim as optim
