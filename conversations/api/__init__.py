"""The REST API under /api/v1/: one concern per module (urls, views, serializers, filters,
permissions, throttling); writes go through the same services as the admin."""
