"""Fake secrets in the environment: no report may show them."""

SECRETS = {
    "HF_TOKEN": "hf_secretvalue_0001",
    "AWS_SECRET_ACCESS_KEY": "aws-secret-value-0002",
    "DB_PASSWORD": "pw-secret-value-0003",
    "OPENAI_API_KEY": "sk-secret-value-0004",
}
