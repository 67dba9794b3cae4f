"""Labels for a process's codes, in Indonesian (default) or English, for people-facing screens.

Each process labels the codes it owns; the gateway's `/api/v1/labels` gathers them all in one answer.
"""


from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field, RootModel

from .errors import prefers_english, problem_responses

# list -> code -> (Indonesian, English)
LabelTable = dict[str, dict[str, tuple[str, str]]]
Lang = Annotated[str | None, Query(pattern="^(id|en)$")]


class CodeLabels(RootModel[dict[str, str]]):
    """One list's labels: code → label."""


class LabelSet(BaseModel):
    language: str = Field(examples=["id"])
    labels: dict[str, CodeLabels] = Field(description="For each list, code → label",
                                          examples=[{"masterplan_state": {"approved": "Disetujui"}}])


def in_language(request: Request, response: Response, table: LabelTable, lang: str | None) -> LabelSet:
    english = lang == "en" if lang else prefers_english(request.headers.get("accept-language"))
    response.headers["Content-Language"] = "en" if english else "id"
    return LabelSet(language="en" if english else "id",
                  labels={name: CodeLabels({code: pair[1 if english else 0] for code, pair in codes.items()})
                          for name, codes in table.items()})


def labels_router(prefix: str, table: LabelTable, gate: Any, *, operation_id: str, tag: str) -> APIRouter:
    router = APIRouter(prefix=prefix)

    @router.get("/labels", operation_id=operation_id, tags=[tag],
                summary="Labels for this service's codes, in Indonesian (default) or English",
                description="Chosen by `lang`, else by Accept-Language. `/api/v1/labels` has every service's.",
                responses=problem_responses(422))
    async def labels(request: Request, response: Response, _: gate, lang: Lang = None) -> LabelSet:
        return in_language(request, response, table, lang)

    return router
