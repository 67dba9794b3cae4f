"""Production refuses development defaults: an operator learns at start, not from an incident."""

import pytest

from services.common.settings import Settings


def test_production_refuses_development_defaults(tmp_path):
    with pytest.raises(ValueError) as refused:
        Settings(env="production", data_dir=tmp_path, webhook_allow_private=True)
    message = str(refused.value)
    for missing in ("DATABASE_URL", "SMARTCITY_JWKS", "SMARTCITY_SERVICE_KEY", "SMARTCITY_METRICS_KEY",
                    "SMARTCITY_WEBHOOK_SECRET_KEYS", "WEBHOOK_ALLOW_PRIVATE", "SMARTCITY_PUBLIC_BASE_URL",
                    "SMARTCITY_S3_ENDPOINT_URL", "SMARTCITY_S3_ACCESS_KEY_ID"):
        assert missing in message


def test_production_starts_with_its_own_keys(tmp_path):
    jwks = tmp_path / "prod-jwks.json"
    jwks.write_text('{"keys": []}')
    settings = Settings(env="production", data_dir=tmp_path / "data", database_url="postgresql://db/smartcity",
                        jwks_file=jwks, webhook_secret_keys=["q3F0dmJ6c0w3a2x6b3BhZ2x2bjR3cWY5a3h0ZzJ4aE0="],
                        service_key="a-test-service-key-of-at-least-32-characters",
                        metrics_key="a-test-metrics-key-of-at-least-32-characters",
                        public_base_url="https://api.gm100.kominfo.go.id/",
                        s3_endpoint_url="https://s3.gm100.kominfo.go.id", s3_access_key_id="documents",
                        s3_secret_access_key="a-test-s3-secret")
    assert settings.is_production and not settings.webhook_allow_private
    assert settings.issuer == "https://api.gm100.kominfo.go.id"
