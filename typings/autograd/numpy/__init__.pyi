# autograd.numpy mirrors numpy; its functions are typed loosely (Any in, Any out).
from typing import Any

def __getattr__(name: str) -> Any: ...
