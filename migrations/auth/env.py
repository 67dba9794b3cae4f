from gateway.models import SCHEMA, Base
from services.common.migrations import run_env

run_env(SCHEMA, Base.metadata)
