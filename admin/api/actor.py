"""Who is acting: a role, a member id and the team a manager leads; what each role sees."""

from __future__ import annotations

from dataclasses import dataclass, field

# Ordered: each role can do what the ones before it can. Ops leads run campaigns (codes, SOP,
# journeys) for the whole corp, so they see every customer, but not compliance or settings.
ROLES = ("staff", "manager", "ops", "admin")


@dataclass(frozen=True)
class Actor:
    role: str
    userid: str = ""
    team: list[str] = field(default_factory=list)
    corp_pk: int | None = None  # None: the bootstrap admin, any corp
    name: str = ""  # the login name, for the audit log

    def owners(self) -> list[str] | None:
        """Whose records this actor sees: None for everyone (admin, ops)."""
        if self.role in ("admin", "ops"):
            return None
        return [self.userid, *self.team] if self.role == "manager" else [self.userid]

    def at_least(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)
