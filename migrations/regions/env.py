from services.common.migrations import run_env
from services.regions.models import SCHEMA, Base

run_env(SCHEMA, Base.metadata)
