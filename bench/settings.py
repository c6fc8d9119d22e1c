"""Benchmark settings: the production settings plus one bare URL to measure against."""

from botproject.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
