"""/api/v1/: the endpoints, the OpenAPI schema and its docs page."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from conversations.api.views import ConversationViewSet, ProfileViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("conversations", ConversationViewSet, basename="api-conversation")
router.register("profiles", ProfileViewSet, basename="api-profile")

urlpatterns = [
    path("", include(router.urls)),
    # Public like any API reference: it describes the endpoints, it opens none of them.
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny]),
        name="api-schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[AllowAny]),
        name="api-docs",
    ),
]
