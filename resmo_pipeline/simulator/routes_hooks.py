"""Service hook endpoints: the organization's subscriptions (events sent to web hooks, Slack, Teams, ...)."""

from __future__ import annotations

from resmo_pipeline.simulator import paging
from resmo_pipeline.simulator.routes_common import DEV, route, state_of
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, error_response, json_response

SUBSCRIPTIONS_LOCATION = ("hooks", "subscriptions", "fc50d02a-849f-41fb-8af1-0a5216103269", 1)
#: Query filters of the list call and the subscription field each compares (case-insensitive).
FILTERS = (("publisherId", "publisherId"), ("eventType", "eventType"), ("consumerId", "consumerId"),
           ("consumerActionId", "consumerActionId"))


def subscriptions(request: SimRequest) -> SimResponse:
    """Every subscription of the organization, optionally filtered; no paging."""
    wanted = {field: (request.param(name) or "").lower() for name, field in FILTERS if request.param(name)}
    items = [s for s in state_of(request).service_hook_subscriptions
             if all(str(s.get(field) or "").lower() == value for field, value in wanted.items())]
    return paging.collection(items)


def get_subscription(request: SimRequest) -> SimResponse:
    """One subscription by id."""
    wanted = request.path_params["subscriptionId"].lower()
    for subscription in state_of(request).service_hook_subscriptions:
        if subscription["id"] == wanted:
            return json_response(subscription)
    return error_response(404, f"Subscription {wanted} could not be found.",
                          "Microsoft.VisualStudio.Services.ServiceHooks.WebApi.SubscriptionNotFoundException, "
                          "Microsoft.VisualStudio.Services.ServiceHooks.WebApi", "SubscriptionNotFoundException")


ROUTES: list[Route] = [
    route("GET", DEV, "_apis/hooks/subscriptions", subscriptions, "vso.hooks", preview=True,
          location=SUBSCRIPTIONS_LOCATION),
    route("GET", DEV, "_apis/hooks/subscriptions/{subscriptionId}", get_subscription, "vso.hooks", preview=True,
          location=SUBSCRIPTIONS_LOCATION),
]
