"""Recruitment: invitation letters drawn from an address list (`invitations`), volunteers'
registration and the pool (`volunteers`), their personal data (`personal_data`). The names below are
the package's API, so that callers write `recruitment.register_volunteer(...)`."""

from backend.assembly.service.recruitment.invitations import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_INVITATIONS,
    MAX_LIST_BYTES,
    AddressRow,
    draw_invitations,
    find_invitation,
    format_code,
    household_key,
    invitations,
    new_code,
    normalize_address,
    normalize_code,
    parse_address_list,
)
from backend.assembly.service.recruitment.personal_data import (
    erase_expired,
    erase_for_user,
    erase_volunteer,
    export_for_user,
)
from backend.assembly.service.recruitment.volunteers import (
    FeatureCount,
    VolunteerForm,
    pool_counts,
    register_volunteer,
    registration_open,
    volunteer_for,
    volunteers,
    withdraw_volunteer,
)

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "MAX_INVITATIONS",
    "MAX_LIST_BYTES",
    "AddressRow",
    "FeatureCount",
    "VolunteerForm",
    "draw_invitations",
    "erase_expired",
    "erase_for_user",
    "erase_volunteer",
    "export_for_user",
    "find_invitation",
    "format_code",
    "household_key",
    "invitations",
    "new_code",
    "normalize_address",
    "normalize_code",
    "parse_address_list",
    "pool_counts",
    "register_volunteer",
    "registration_open",
    "volunteer_for",
    "volunteers",
    "withdraw_volunteer",
]
