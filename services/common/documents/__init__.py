"""Documents in an S3 bucket: each service keeps their metadata in its own schema (`document_model`), the
bytes in the shared bucket under its own prefix, uploaded and downloaded through presigned URLs."""
