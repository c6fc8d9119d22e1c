"""A local S3-compatible server standing in for Supabase Storage: moto's server mode.

The real `boto3` client (through django-storages' `S3Storage`) talks HTTP to it on
127.0.0.1, exactly as production talks to the Supabase S3 endpoint; nothing is patched.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from moto.server import ThreadedMotoServer

from botproject.settings import s3_media_storage

# A region other than us-east-1, like Supabase's: the bucket needs a LocationConstraint.
REGION = "eu-central-1"
ACCESS_KEY_ID = "standin-access-key-id"
SECRET_ACCESS_KEY = "standin-secret-access-key"


@dataclass(frozen=True, slots=True)
class S3Bucket:
    """One private bucket on the running server, and the settings that reach it."""

    endpoint_url: str
    name: str
    region: str = REGION
    access_key_id: str = ACCESS_KEY_ID
    secret_access_key: str = SECRET_ACCESS_KEY

    def client(self):
        """A boto3 client of our own, to look at the bucket from outside the app."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
        )

    def object_url(self, key: str) -> str:
        """The object's plain (unsigned) path-style URL."""
        return f"{self.endpoint_url}/{self.name}/{key}"

    def read(self, key: str) -> bytes:
        return self.client().get_object(Bucket=self.name, Key=key)["Body"].read()

    def object_keys(self) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=self.name)
        return [entry["Key"] for entry in listed.get("Contents", [])]

    def environment(self) -> dict[str, str]:
        """The MEDIA_S3_* variables an operator sets in the Dashboard for this bucket."""
        return {
            "MEDIA_S3_BUCKET": self.name,
            "MEDIA_S3_ENDPOINT_URL": self.endpoint_url,
            "MEDIA_S3_REGION": self.region,
            "MEDIA_S3_ACCESS_KEY_ID": self.access_key_id,
            "MEDIA_S3_SECRET_ACCESS_KEY": self.secret_access_key,
        }

    def storage(self) -> dict:
        """The STORAGES["default"] entry settings.py builds for MEDIA_STORAGE=s3."""
        return s3_media_storage(
            bucket=self.name,
            endpoint_url=self.endpoint_url,
            region=self.region,
            access_key=self.access_key_id,
            secret_key=self.secret_access_key,
        )


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    """moto's S3 over HTTP on a free port of 127.0.0.1, once per module; yields its URL."""
    # Its request log would drown a failing test's output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def s3_bucket(s3_server) -> S3Bucket:
    """A new private bucket (moto keeps every bucket in memory: each module gets its own)."""
    bucket = S3Bucket(endpoint_url=s3_server, name=f"whatsapp-media-{secrets.token_hex(4)}")
    bucket.client().create_bucket(
        Bucket=bucket.name, CreateBucketConfiguration={"LocationConstraint": bucket.region}
    )
    return bucket


@pytest.fixture
def s3_media_storage_settings(settings, s3_bucket) -> S3Bucket:
    """Django's default storage is the bucket, as with MEDIA_STORAGE=s3; returns the bucket.

    Overriding STORAGES sends `setting_changed`, on which Django drops its storage instances
    and empties `default_storage`, so the next use builds the S3 storage.
    """
    settings.STORAGES = {**settings.STORAGES, "default": s3_bucket.storage()}
    return s3_bucket
