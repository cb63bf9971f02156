"""Notifications as a service of the registry (not a participation process): its routers and
personal data. Domains call `backend.notifications.notify`; this package names no domain."""

from __future__ import annotations

from backend.notifications import service
from backend.processes import ProcessKind, routers_of

SERVICE = ProcessKind(
    key="notifications",
    label="Notifications",
    summary="Les nouvelles qui vous concernent, sur le site, par e-mail ou par SMS.",
    url="/notifications",
    routers=routers_of("backend.notifications", "views"),
    personal_data_export={"notifications": service.export},
    personal_data_erase=(service.erase,),
)
