"""A published result as someone who trusts nothing but the published files fetches it, for the offline verifier."""

from __future__ import annotations

from pathlib import Path

from .rounds import A


async def published_files(gw, rid: int, folder: Path, *, version: int | None = None) -> list[str]:
    """The signed result, the JWKS and the inputs (of `version`, and then the list of versions), saved in `folder`:
    the arguments of `smartcity verify-results`."""
    asked = f"?version={version}" if version else ""
    names = {f"signed{asked and f'-v{version}'}.jws": f"{A}/public/rounds/{rid}/signed-results{asked}",
             "jwks.json": "/.well-known/jwks.json",
             f"inputs{asked and f'-v{version}'}.json": f"{A}/public/rounds/{rid}/inputs{asked}"}
    if version:
        names["versions.json"] = f"{A}/public/rounds/{rid}/signed-results/versions"
    for name, url in names.items():
        answer = await gw.get(url)
        assert answer.status_code == 200, answer.text
        (folder / name).write_bytes(answer.content)
    return [str(folder / n) for n in names]
