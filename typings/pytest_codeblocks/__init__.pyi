# Stub for pytest-codeblocks (ships no types): the extraction API used by tests/test_docs.py
# and tools/check_docs_types.py.
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

@dataclass
class CodeBlock:
    code: str
    lineno: int
    syntax: str | None = None
    expected_output: str | None = None
    expected_output_ignore_whitespace: bool = False
    importorskip: str | None = None
    marks: list[str] = field(default_factory=list)

def extract_from_file(
    f: str | bytes | Path, encoding: str | None = "utf-8", max_num_lines: int = 10000
) -> list[CodeBlock]: ...
def extract_from_buffer(f: IO[str], max_num_lines: int = 10000) -> list[CodeBlock]: ...
