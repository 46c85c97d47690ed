"""The API's routers: one per resource under /v1, plus health checks and pages at the root."""

from fastapi import APIRouter, Depends

from service.api.query import known_query_only
from service.api.routes import analysts, explain, health, localities, pages, recommendations

api_router = APIRouter(prefix="/v1", dependencies=[Depends(known_query_only)])
for _r in (localities, recommendations, explain, analysts):
    api_router.include_router(_r.router)

root_routers = (health.router, pages.router)
