"""Where uploaded files live: local disk (default) or S3-compatible object storage.

Keys are opaque strings like ``products/3f2a….webp``. Every worker must see every file, so
production with several machines uses ``STORAGE_BACKEND=s3``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from flask import current_app


class Storage(Protocol):
    def save(self, key: str, data: bytes, content_type: str) -> None: ...

    def load(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files under a folder (the instance's ``uploads`` by default)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not str(path).startswith(str(self.root.resolve()) + os.sep):
            raise ValueError("invalid storage key")
        return path

    def save(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)

    def load(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except (FileNotFoundError, ValueError):
            pass


class S3Storage:
    """S3-compatible object storage (AWS, MinIO, Scaleway…), through boto3."""

    def __init__(self, bucket: str, endpoint_url: str | None = None) -> None:
        import boto3  # optional dependency, only for this backend

        self.bucket = bucket
        self.client = boto3.client("s3", endpoint_url=endpoint_url)

    def save(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def load(self, key: str) -> bytes | None:
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            return None
        body: bytes = obj["Body"].read()
        return body

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)


def storage() -> Storage:
    """The configured storage backend."""
    cfg = current_app.config
    if cfg["STORAGE_BACKEND"] == "s3":
        return S3Storage(cfg["S3_BUCKET"], cfg.get("S3_ENDPOINT_URL"))
    return LocalStorage(cfg["UPLOAD_FOLDER"])
