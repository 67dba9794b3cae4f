"""Every label in one answer: the gateway's own (roles) and each service's, asked concurrently."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from services.common.auth import Public
from services.common.errors import ServiceUnavailable, problem_responses
from services.common.labels import CodeLabels, LabelSet, LabelTable, Lang, in_language
from services.common.upstream import Upstreams

from .proxy import SERVICES, rate_limited

router = APIRouter(dependencies=[Depends(rate_limited)])

LABELS: LabelTable = {
    "role": {"kominfo_admin": ("Admin Kominfo", "Kominfo administrator"),
             "kominfo_officer": ("Petugas Kominfo", "Kominfo officer"), "assessor": ("Asesor", "Assessor"),
             "kemendagri": ("Kemendagri", "Ministry of Home Affairs"), "kemenkeu": ("Kemenkeu", "Ministry of Finance"),
             "bappenas": ("Bappenas", "National Development Planning Agency"),
             "pupr": ("Kementerian PUPR", "Ministry of Public Works"),
             "kemenpanrb": ("KemenPAN-RB", "Ministry of Administrative Reform"),
             "ksp": ("KSP", "Executive Office of the President"),
             "pemda": ("Pemerintah daerah", "Regional government")},
}


@router.get("/api/v1/labels", operation_id="labels_get", tags=["labels"],
            summary="Labels for every code of the API, in Indonesian (default) or English",
            description="Chosen by `lang`, else by Accept-Language. Codes stay the same in every language; each "
                        "service also answers its own at `/api/v1/<service>/labels`.",
            responses=problem_responses(422, 503))
async def labels(request: Request, response: Response, _: Public, lang: Lang = None) -> LabelSet:
    own = in_language(request, response, LABELS, lang)
    # Labels change only when a service is deployed: a complete answer is kept per language, like the spec.
    kept: dict[str, LabelSet] = request.app.state.merged_labels
    if own.language in kept:
        return kept[own.language]
    upstreams: Upstreams = request.app.state.upstreams
    answers: list[Any] = await asyncio.gather(
        *(upstreams.call(name, "GET", f"/api/v1/{name}/labels", params={"lang": own.language}) for name in SERVICES),
        return_exceptions=True)
    for name, answer in zip(SERVICES, answers, strict=True):
        if isinstance(answer, BaseException):
            raise ServiceUnavailable(f"The {name} service's labels could not be had; try again shortly",
                                     headers={"Retry-After": "1"})
        own.labels.update({name: CodeLabels(codes) for name, codes in answer["labels"].items()})
    kept[own.language] = own
    return own
