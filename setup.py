"""The one compiled part of fairgate: index/_hamming.c (see its header for why).

Everything else is declared in pyproject.toml. The extension is optional: where
it cannot be compiled, index/top2.py falls back to FAISS and says so.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "fairgate.index._hamming",
            ["src/fairgate/index/_hamming.c"],
            extra_compile_args=["-O3"],
            optional=True,
        )
    ]
)
