# Types of the compiled kernel (index/_hamming.c); index/top2.py is its only user.
import numpy as np
import numpy.typing as npt

kernels: tuple[str, ...]

def top2(
    queries: npt.NDArray[np.uint8],
    base: npt.NDArray[np.uint8],
    nearest: npt.NDArray[np.int32],
    second: npt.NDArray[np.int32],
    label: npt.NDArray[np.int32],
    kernel: str | None = None,
    /,
) -> None: ...
