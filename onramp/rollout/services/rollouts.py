"""Creating and changing rollouts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from onramp.catalog.models import Service, ServiceVersion
from onramp.org.models import OrgUnit
from onramp.rollout.models import Rollout, RolloutStatus


def _check_version(service: Service, version: ServiceVersion | None) -> None:
    if version is not None and version.service_id != service.pk:
        raise ValidationError(
            {
                "version": f"Version {version.version} belongs to another service: pick one of {service}."
            }
        )


@transaction.atomic
def rollout_create(
    *,
    service: Service,
    name: str,
    objective: str = "",
    units: Iterable[OrgUnit] = (),
    version: ServiceVersion | None = None,
    adoption_target_pct: Decimal | float | None = None,
    adoption_target_date: dt.date | None = None,
    satisfaction_target: Decimal | float | None = None,
    owner: Any = None,
    status: str = RolloutStatus.PLANNED,
) -> Rollout:
    _check_version(service, version)
    rollout = Rollout(
        service=service,
        name=name.strip(),
        objective=objective,
        version=version,
        adoption_target_pct=Decimal(
            str(
                adoption_target_pct
                if adoption_target_pct is not None
                else service.adoption_target_pct
            )
        ),
        adoption_target_date=adoption_target_date,
        satisfaction_target=(
            Decimal(str(satisfaction_target)) if satisfaction_target is not None else None
        ),
        owner=owner if owner is not None else service.owner,
        status=status,
    )
    rollout.full_clean()
    rollout.save()
    rollout.units.set(list(units))
    return rollout


ROLLOUT_FIELDS = (
    "name",
    "objective",
    "version",
    "adoption_target_pct",
    "adoption_target_date",
    "satisfaction_target",
    "owner",
    "status",
)


@transaction.atomic
def rollout_update(
    *, rollout: Rollout, units: Iterable[OrgUnit] | None = None, **fields: Any
) -> Rollout:
    unknown = set(fields) - set(ROLLOUT_FIELDS)
    if unknown:
        raise TypeError(f"rollout_update() got unexpected fields: {sorted(unknown)}")
    for name, value in fields.items():
        if name in ("adoption_target_pct", "satisfaction_target") and value is not None:
            value = Decimal(str(value))
        setattr(rollout, name, value)
    _check_version(rollout.service, rollout.version)
    rollout.full_clean()
    rollout.save()
    if units is not None:
        rollout.units.set(list(units))
    return rollout
