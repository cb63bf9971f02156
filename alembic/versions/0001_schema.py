"""The schema as of the first release: every table of the foundation and of the processes.

Revision ID: 0001_schema
Revises:
Create Date: 2026-12-07

The development history (16 migrations: foundation, contact, budget, assembly, fph, results
branches) was squashed into this baseline before any production deployment; a database migrated to
the last heads of that history is stamped with this revision by `backend.db.run_migrations`
(`SQUASHED_HEADS`). Later migrations start from here, each domain on its own branch label.
"""

from collections.abc import Sequence

from alembic import op

from backend.migration_helpers import (
    boolean,
    create_table,
    day,
    drop_tables,
    integer,
    json,
    real,
    ref,
    string,
    text,
    timestamp,
)

revision: str = "0001_schema"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("foundation",)
depends_on: str | Sequence[str] | None = None

LEDGER_GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_entry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger_entry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""

# In the order they are created (a table after those it refers to); dropped in reverse.
TABLES = (
    "assembly_saisine",
    "bp_edition",
    "ledger_entry",
    "login_attempt",
    "metropole",
    "rate_event",
    "assembly_category",
    "assembly_draw",
    "assembly_group",
    "assembly_invitation",
    "assembly_meeting",
    "bp_depouillement",
    "bp_document_participation",
    "bp_edition_phase",
    "bp_envelope",
    "bp_isoloir_used",
    "bp_paper_batch",
    "bp_publication",
    "commune",
    "results_voter_mark",
    "results_voter_stat",
    "assembly_document",
    "assembly_feature",
    "assembly_recommendation",
    "bp_ballot",
    "bp_paper_code",
    "bp_result",
    "secteur",
    "assembly_answer",
    "assembly_followup",
    "qpv",
    "fph_fund",
    "results_realisation",
    "user_account",
    "assembly_volunteer",
    "bp_proposal",
    "bp_voter",
    "fph_application",
    "fph_fund_qpv",
    "fph_meeting",
    "fph_member",
    "one_time_code",
    "results_milestone",
    "results_subscription",
    "role_grant",
    "user_session",
    "assembly_member",
    "bp_coauthor",
    "bp_eligibility_answer",
    "bp_report",
    "fph_agenda_item",
    "fph_applicant",
    "fph_bilan",
    "fph_budget_line",
    "fph_conflict",
    "fph_decision",
    "fph_payment",
    "assembly_attendance",
    "assembly_group_member",
    "assembly_vote",
    "fph_attachment",
    "fph_vote",
)


def upgrade() -> None:
    create_table(
        "assembly_saisine",
        string("title", 200),
        text("question"),
        text("context"),
        string("commune_insee", 5, index=True),
        integer("panel_size"),
        day("avis_deadline"),
        string("registration_mode", 10),
        day("registration_deadline", nullable=True),
        day("retention_until"),
        integer("adoption_threshold_pct"),
        integer("quorum_pct"),
        string("household_salt", 64),
        string("status", 20),
        text("avis_intro"),
        timestamp("avis_published_at", nullable=True),
        string("created_by", 32),
        timestamp("created_at"),
    )
    create_table(
        "bp_edition",
        string("slug", 80, unique=True),
        string("name", 160),
        text("summary"),
        text("can_decide"),
        text("cannot_decide"),
        string("territory_kind", 20),
        string("territory_codes", 2000),
        string("envelope_scope", 20),
        json("themes"),
        json("checklist"),
        integer("cost_cap"),
        real("operating_share_max"),
        integer("min_voting_age"),
        string("ballot_rule", 30),
        integer("ballot_min"),
        integer("ballot_max", nullable=True),
        string("counting_rule", 30),
        real("counting_threshold", nullable=True),
        integer("level_to_propose"),
        integer("level_to_support"),
        integer("level_to_vote"),
        boolean("revote_allowed"),
        integer("report_threshold"),
        string("phase", 20),
        timestamp("phase_changed_at", nullable=True),
        string("created_by", 32),
        timestamp("created_at"),
    )
    create_table(
        "ledger_entry",
        integer("seq", autoincrement=False),
        string("at", 32),
        string("actor_role", 40),
        string("actor_id", 64),
        string("action", 80),
        string("process", 40),
        string("object_type", 60),
        string("object_id", 64),
        string("territory", 60, nullable=True, index=True),
        text("reason"),
        text("payload"),
        string("prev_hash", 64),
        string("hash", 64, unique=True),
        primary_key=("seq",),
        indexes={
            "ix_ledger_entry_object": ["object_type", "object_id"],
            "ix_ledger_entry_process_action": ["process", "action"],
        },
    )
    create_table(
        "login_attempt",
        string("account_key", 64),
        string("ip", 64),
        timestamp("at"),
        indexes={
            "ix_login_attempt_account_at": ["account_key", "at"],
            "ix_login_attempt_ip_at": ["ip", "at"],
        },
    )
    create_table(
        "metropole",
        string("code", 20, unique=True),
        string("name", 200),
    )
    create_table(
        "rate_event",
        string("kind", 30),
        string("key", 64),
        timestamp("at"),
        indexes={
            "ix_rate_event_kind_key_at": ["kind", "key", "at"],
        },
    )
    create_table(
        "assembly_category",
        ref("saisine_id", "assembly_saisine", index=True),
        string("key", 40),
        string("label", 120),
        string("question", 200),
        string("kind", 10),
        integer("position"),
        unique=[("saisine_id", "key")],
    )
    create_table(
        "assembly_draw",
        ref("saisine_id", "assembly_saisine", unique=True),
        string("algorithm", 10),
        text("pool_csv"),
        text("categories_csv"),
        string("pool_file_sha256", 64),
        string("categories_file_sha256", 64),
        string("pool_sha256", 64),
        string("quotas_sha256", 64),
        integer("volunteer_count"),
        string("pool_frozen_by", 32),
        timestamp("pool_frozen_at"),
        json("public_inputs"),
        string("seed", 64, nullable=True),
        string("seed_fixed_by", 32, nullable=True),
        timestamp("seed_fixed_at", nullable=True),
        timestamp("drawn_at", nullable=True),
        string("drawn_by", 32, nullable=True),
        json("panel"),
        json("reserve"),
        json("probabilities"),
        real("minimum_probability", nullable=True),
        string("probability_method", 300),
    )
    create_table(
        "assembly_group",
        ref("saisine_id", "assembly_saisine", index=True),
        string("name", 120),
        text("topic"),
    )
    create_table(
        "assembly_invitation",
        ref("saisine_id", "assembly_saisine", index=True),
        string("code", 12, unique=True),
        string("recipient", 200, nullable=True),
        string("address", 300, nullable=True),
        integer("batch"),
        timestamp("used_at", nullable=True),
        timestamp("created_at"),
    )
    create_table(
        "assembly_meeting",
        ref("saisine_id", "assembly_saisine", index=True),
        string("title", 200),
        timestamp("starts_at"),
        string("place", 300),
        text("agenda"),
        text("summary"),
        timestamp("created_at"),
    )
    create_table(
        "bp_depouillement",
        ref("edition_id", "bp_edition"),
        string("voting_point", 120),
        integer("blank"),
        integer("spoiled"),
        timestamp("closed_at", nullable=True),
        string("closed_by", 32, nullable=True),
        integer("emargements", nullable=True),
        integer("ballots", nullable=True),
        text("explanation", nullable=True),
        unique=[("edition_id", "voting_point")],
    )
    create_table(
        "bp_document_participation",
        ref("edition_id", "bp_edition"),
        string("document_hash", 64),
        primary_key=("edition_id", "document_hash"),
    )
    create_table(
        "bp_edition_phase",
        ref("edition_id", "bp_edition", index=True),
        string("phase", 20),
        day("starts_on"),
        day("ends_on", nullable=True),
        unique=[("edition_id", "phase")],
    )
    create_table(
        "bp_envelope",
        ref("edition_id", "bp_edition", index=True),
        string("scope_kind", 20),
        string("scope_code", 60),
        string("label", 200),
        integer("amount"),
        unique=[("edition_id", "scope_code")],
    )
    create_table(
        "bp_isoloir_used",
        string("token_hash", 64),
        ref("edition_id", "bp_edition"),
        primary_key=("token_hash",),
        sqlite_with_rowid=False,
    )
    create_table(
        "bp_paper_batch",
        ref("edition_id", "bp_edition", index=True),
        string("filename", 200),
        string("sha256", 64),
        integer("ballots"),
        json("per_point"),
        string("imported_by", 32),
        timestamp("imported_at"),
        unique=[("edition_id", "sha256")],
    )
    create_table(
        "bp_publication",
        ref("edition_id", "bp_edition", index=True),
        string("name", 200),
        string("media_type", 60),
        text("content"),
        string("sha256", 64),
        timestamp("published_at"),
        unique=[("edition_id", "name")],
    )
    create_table(
        "commune",
        string("insee", 5, unique=True),
        string("name", 200),
        ref("metropole_id", "metropole", nullable=True, index=True),
    )
    create_table(
        "results_voter_mark",
        ref("edition_id", "bp_edition"),
        integer("last_voter_id"),
        integer("voters"),
        timestamp("rebuilt_at"),
        timestamp("refreshed_at"),
        primary_key=("edition_id",),
    )
    create_table(
        "results_voter_stat",
        ref("edition_id", "bp_edition", index=True),
        integer("envelope_id"),
        string("qpv_code", 12),
        string("band", 10),
        string("channel", 10),
        integer("voters"),
        named_unique={
            "uq_results_voter_stat_key": ("edition_id", "envelope_id", "qpv_code", "band", "channel")
        },
    )
    create_table(
        "assembly_document",
        ref("saisine_id", "assembly_saisine", index=True),
        ref("meeting_id", "assembly_meeting", nullable=True, index=True),
        string("title", 200),
        string("url", 500, nullable=True),
        string("filename", 200, nullable=True),
        string("stored_name", 100, nullable=True),
        string("content_type", 100, nullable=True),
        integer("size", nullable=True),
        timestamp("created_at"),
    )
    create_table(
        "assembly_feature",
        ref("category_id", "assembly_category", index=True),
        string("key", 60),
        string("label", 160),
        real("population_share", nullable=True),
        integer("min"),
        integer("max"),
        integer("position"),
        unique=[("category_id", "key")],
    )
    create_table(
        "assembly_recommendation",
        ref("saisine_id", "assembly_saisine", index=True),
        ref("group_id", "assembly_group", nullable=True, index=True),
        integer("number"),
        string("title", 200),
        text("text"),
        string("status", 10),
        integer("votes_pour"),
        integer("votes_contre"),
        integer("votes_abstention"),
        timestamp("created_at"),
        timestamp("vote_opened_at", nullable=True),
        timestamp("vote_closed_at", nullable=True),
        unique=[("saisine_id", "number")],
    )
    create_table(
        "bp_ballot",
        string("id", 32),
        ref("edition_id", "bp_edition"),
        ref("envelope_id", "bp_envelope"),
        text("choices"),
        string("receipt_hash", 64, unique=True),
        string("channel", 10),
        string("voting_point", 120, nullable=True),
        string("slot", 64, nullable=True),
        unique=[("edition_id", "slot")],
        indexes={
            "ix_bp_ballot_edition_envelope": ["edition_id", "envelope_id"],
        },
        sqlite_with_rowid=False,
    )
    create_table(
        "bp_paper_code",
        ref("edition_id", "bp_edition"),
        ref("envelope_id", "bp_envelope"),
        string("voting_point", 120),
        string("code_hash", 64, unique=True),
        string("print_batch", 16),
        boolean("used"),
        indexes={
            "ix_bp_paper_code_edition_point": ["edition_id", "voting_point"],
        },
    )
    create_table(
        "bp_result",
        ref("edition_id", "bp_edition", index=True),
        ref("envelope_id", "bp_envelope"),
        string("ballot_rule", 30),
        string("counting_rule", 30),
        integer("voters"),
        integer("population", nullable=True),
        integer("amount"),
        integer("spent"),
        json("selected"),
        json("scores"),
        json("details"),
        string("file_name", 200),
        string("file_sha256", 64),
        timestamp("counted_at"),
        unique=[("edition_id", "envelope_id")],
    )
    create_table(
        "secteur",
        string("slug", 60, unique=True),
        string("name", 200),
        ref("commune_id", "commune", index=True),
    )
    create_table(
        "assembly_answer",
        ref("recommendation_id", "assembly_recommendation", unique=True),
        string("decision", 10),
        text("reasons"),
        string("answered_by", 32),
        timestamp("answered_at"),
    )
    create_table(
        "assembly_followup",
        ref("recommendation_id", "assembly_recommendation", index=True),
        string("status", 12),
        text("text"),
        string("author", 32),
        timestamp("at"),
    )
    create_table(
        "qpv",
        string("code", 12, unique=True),
        string("name", 200),
        integer("population", nullable=True),
        integer("population_year", nullable=True),
        ref("commune_id", "commune", index=True),
        string("communes", 200),
        ref("secteur_id", "secteur", nullable=True, index=True),
        text("geometry"),
        timestamp("updated_at"),
    )
    create_table(
        "fph_fund",
        string("name", 200),
        integer("year", index=True),
        ref("qpv_id", "qpv", index=True),
        integer("envelope_cents"),
        integer("granted_cents"),
        integer("pending_cents"),
        integer("cap_cents"),
        integer("max_share_pct"),
        integer("advance_pct"),
        integer("bilan_deadline_days"),
        integer("max_grants_per_holder"),
        integer("quorum"),
        string("association_name", 200),
        string("association_contact", 200),
        timestamp("created_at"),
        checks={
            "advance_range": "advance_pct BETWEEN 0 AND 100",
            "deadline_positive": "bilan_deadline_days >= 0",
            "cap_positive": "cap_cents > 0",
            "envelope_positive": "envelope_cents >= 0",
            "balance_not_negative": "granted_cents + pending_cents <= envelope_cents",
            "totals_positive": "granted_cents >= 0 AND pending_cents >= 0",
            "grants_per_holder_positive": "max_grants_per_holder >= 1",
            "share_range": "max_share_pct BETWEEN 1 AND 100",
            "quorum_positive": "quorum >= 1",
        },
    )
    create_table(
        "results_realisation",
        string("source", 10),
        integer("source_id"),
        ref("edition_id", "bp_edition", nullable=True, index=True),
        ref("qpv_id", "qpv", nullable=True),
        string("status", 12),
        integer("progress"),
        string("service", 200),
        text("reason"),
        string("opened_by", 32),
        timestamp("created_at"),
        timestamp("updated_at"),
        unique=[("source", "source_id")],
        checks={
            "abandon_has_reason": "status <> 'abandonne' OR reason <> ''",
            "progress_range": "progress BETWEEN 0 AND 100",
        },
        indexes={
            "ix_results_realisation_qpv_status": ["qpv_id", "status"],
        },
    )
    create_table(
        "user_account",
        string("public_id", 32, unique=True),
        string("email", 254, nullable=True, unique=True),
        string("phone", 20, nullable=True, unique=True),
        string("login_id", 12, nullable=True, unique=True),
        string("password_hash", 255, nullable=True),
        string("display_name", 80),
        integer("birth_year", nullable=True),
        string("address", 300, nullable=True),
        real("address_lat", nullable=True),
        real("address_lon", nullable=True),
        ref("qpv_id", "qpv", nullable=True, index=True),
        string("residence_status", 20),
        string("residence_method", 200, nullable=True),
        string("residence_verified_by", 32, nullable=True),
        timestamp("residence_verified_at", nullable=True),
        integer("session_version"),
        boolean("is_active"),
        string("registered_by", 32, nullable=True),
        timestamp("email_confirmed_at", nullable=True),
        timestamp("phone_confirmed_at", nullable=True),
        string("id_document_hash", 64, nullable=True, index=True),
        string("id_document_kind", 30, nullable=True),
        timestamp("id_document_seen_at", nullable=True),
        timestamp("created_at"),
        timestamp("deleted_at", nullable=True),
    )
    create_table(
        "assembly_volunteer",
        ref("saisine_id", "assembly_saisine", index=True),
        ref("user_id", "user_account", nullable=True, index=True),
        ref("invitation_id", "assembly_invitation", nullable=True, unique=True),
        string("name", 120),
        string("phone", 20, nullable=True),
        string("email", 254, nullable=True),
        string("address", 300),
        string("household_key", 64),
        integer("household_size", nullable=True),
        ref("qpv_id", "qpv", index=True),
        json("characteristics"),
        text("needs"),
        timestamp("consent_at"),
        day("retention_until"),
        string("status", 12),
        string("pool_id", 12, nullable=True),
        string("registered_by", 32, nullable=True),
        timestamp("created_at"),
        timestamp("erased_at", nullable=True),
        unique=[("saisine_id", "pool_id"), ("saisine_id", "user_id")],
    )
    create_table(
        "bp_proposal",
        ref("edition_id", "bp_edition", index=True),
        ref("qpv_id", "qpv", nullable=True, index=True),
        ref("envelope_id", "bp_envelope", nullable=True),
        string("status", 30),
        string("theme", 40),
        string("title", 120),
        text("description"),
        string("location_text", 300),
        real("location_lat", nullable=True),
        real("location_lon", nullable=True),
        string("photo", 80, nullable=True),
        integer("estimated_cost", nullable=True),
        integer("operating_cost", nullable=True),
        ref("author_id", "user_account", nullable=True, index=True),
        string("author_label", 80, nullable=True),
        string("filed_by", 32, nullable=True),
        string("filed_by_role", 30, nullable=True),
        text("moderation_message", nullable=True),
        string("reject_category", 20, nullable=True),
        text("public_reason", nullable=True),
        ref("merged_into_id", "bp_proposal", nullable=True),
        timestamp("hidden_at", nullable=True),
        integer("report_count"),
        integer("services_cost", nullable=True),
        integer("services_operating_cost", nullable=True),
        text("eligibility_changes", nullable=True),
        timestamp("created_at"),
        timestamp("updated_at"),
        timestamp("submitted_at", nullable=True),
        timestamp("published_at", nullable=True),
        timestamp("decided_at", nullable=True),
        indexes={
            "ix_bp_proposal_edition_status": ["edition_id", "status"],
            "ix_bp_proposal_envelope_status": ["envelope_id", "status"],
        },
    )
    create_table(
        "bp_voter",
        ref("edition_id", "bp_edition"),
        ref("user_id", "user_account", index=True),
        ref("envelope_id", "bp_envelope"),
        string("channel", 10),
        string("voting_point", 120, nullable=True),
        string("identity_check", 200, nullable=True),
        string("residence_check", 200, nullable=True),
        string("recorded_by", 32, nullable=True),
        ref("batch_id", "bp_paper_batch", nullable=True),
        timestamp("voted_at"),
        unique=[("edition_id", "user_id")],
        indexes={
            "ix_bp_voter_edition_envelope": ["edition_id", "envelope_id"],
        },
    )
    create_table(
        "fph_application",
        ref("fund_id", "fph_fund"),
        ref("qpv_id", "qpv", index=True),
        string("status", 20),
        string("holder_kind", 20),
        string("association_name", 200),
        string("association_rna", 12),
        string("title", 120),
        text("description"),
        string("audience", 300),
        string("place", 200),
        day("action_date", nullable=True),
        day("action_end_date", nullable=True),
        integer("amount_asked_cents"),
        integer("reserved_cents"),
        integer("granted_cents", nullable=True),
        string("channel", 20),
        string("filed_by", 32, nullable=True),
        ref("created_by_user_id", "user_account", index=True),
        timestamp("created_at"),
        timestamp("updated_at"),
        timestamp("submitted_at", nullable=True),
        timestamp("decided_at", nullable=True),
        day("bilan_due_on", nullable=True),
        string("bilan_status", 20, nullable=True),
        checks={
            "asked_positive": "amount_asked_cents >= 0",
            "granted_positive": "granted_cents IS NULL OR granted_cents >= 0",
            "reserved_positive": "reserved_cents >= 0",
        },
        indexes={
            "ix_fph_application_fund_status": ["fund_id", "status"],
        },
    )
    create_table(
        "fph_fund_qpv",
        ref("fund_id", "fph_fund", index=True),
        ref("qpv_id", "qpv"),
        integer("year"),
        unique=[("fund_id", "qpv_id"), ("qpv_id", "year")],
    )
    create_table(
        "fph_meeting",
        ref("fund_id", "fph_fund"),
        timestamp("starts_at"),
        string("place", 200),
        timestamp("minutes_published_at", nullable=True),
        timestamp("created_at"),
        indexes={
            "ix_fph_meeting_fund_starts": ["fund_id", "starts_at"],
        },
    )
    create_table(
        "fph_member",
        ref("fund_id", "fph_fund", index=True),
        ref("user_id", "user_account", nullable=True, index=True),
        string("kind", 20),
        boolean("voting"),
        string("label", 200),
        timestamp("added_at"),
        timestamp("ended_at", nullable=True),
        checks={
            "only_residents_vote": "NOT voting OR kind = 'resident'",
        },
    )
    create_table(
        "one_time_code",
        ref("user_id", "user_account"),
        string("purpose", 20),
        string("code_hash", 64, unique=True),
        string("target", 254),
        string("issued_by", 32, nullable=True),
        integer("attempts"),
        timestamp("created_at"),
        timestamp("expires_at"),
        timestamp("used_at", nullable=True),
        indexes={
            "ix_one_time_code_target_at": ["target", "created_at"],
            "ix_one_time_code_user_purpose": ["user_id", "purpose"],
        },
    )
    create_table(
        "results_milestone",
        ref("realisation_id", "results_realisation"),
        day("happened_on"),
        string("title", 160),
        text("text"),
        string("photo", 80, nullable=True),
        string("status", 12),
        integer("progress"),
        string("recorded_by", 32),
        timestamp("recorded_at"),
        indexes={
            "ix_results_milestone_realisation_on": ["realisation_id", "happened_on"],
        },
    )
    create_table(
        "results_subscription",
        ref("realisation_id", "results_realisation", index=True),
        ref("user_id", "user_account", index=True),
        timestamp("created_at"),
        unique=[("realisation_id", "user_id")],
    )
    create_table(
        "role_grant",
        ref("user_id", "user_account", index=True),
        string("role", 30),
        string("scope_kind", 20),
        string("scope_code", 60),
        string("granted_by", 32),
        timestamp("granted_at"),
        timestamp("revoked_at", nullable=True),
        indexes={
            "ix_role_grant_user_active": ["user_id", "revoked_at"],
        },
    )
    create_table(
        "user_session",
        string("key_hash", 64, unique=True),
        ref("user_id", "user_account", index=True),
        timestamp("created_at"),
        timestamp("last_seen_at", index=True),
    )
    create_table(
        "assembly_member",
        ref("saisine_id", "assembly_saisine", index=True),
        ref("volunteer_id", "assembly_volunteer", unique=True),
        ref("user_id", "user_account", nullable=True, index=True),
        string("pool_id", 12),
        string("status", 12),
        string("source", 12),
        ref("replaces_id", "assembly_member", nullable=True),
        timestamp("joined_at"),
        timestamp("withdrawn_at", nullable=True),
    )
    create_table(
        "bp_coauthor",
        ref("proposal_id", "bp_proposal", index=True),
        ref("user_id", "user_account", index=True),
        ref("from_proposal_id", "bp_proposal"),
        unique=[("proposal_id", "user_id")],
    )
    create_table(
        "bp_eligibility_answer",
        ref("proposal_id", "bp_proposal", index=True),
        string("criterion", 40),
        boolean("met"),
        text("reason"),
        string("answered_by", 32),
        timestamp("answered_at"),
        unique=[("proposal_id", "criterion")],
    )
    create_table(
        "bp_report",
        ref("proposal_id", "bp_proposal", index=True),
        ref("user_id", "user_account", nullable=True, index=True),
        string("reason", 20),
        timestamp("at"),
        timestamp("dismissed_at", nullable=True),
        unique=[("proposal_id", "user_id")],
    )
    create_table(
        "fph_agenda_item",
        ref("meeting_id", "fph_meeting", index=True),
        ref("application_id", "fph_application", index=True),
        integer("position"),
        boolean("invited"),
        unique=[("meeting_id", "application_id")],
    )
    create_table(
        "fph_applicant",
        ref("application_id", "fph_application", index=True),
        ref("user_id", "user_account", index=True),
        boolean("is_lead"),
        unique=[("application_id", "user_id")],
    )
    create_table(
        "fph_bilan",
        ref("application_id", "fph_application", index=True),
        string("status", 20),
        text("narrative"),
        integer("participants_count"),
        integer("actual_expenses_cents"),
        timestamp("submitted_at"),
        string("submitted_by", 32),
        timestamp("reviewed_at", nullable=True),
        string("reviewed_by", 32, nullable=True),
        text("review_reason"),
    )
    create_table(
        "fph_budget_line",
        ref("application_id", "fph_application", index=True),
        string("kind", 20),
        string("label", 200),
        integer("amount_cents"),
        integer("position"),
        checks={
            "amount_positive": "amount_cents >= 0",
        },
    )
    create_table(
        "fph_conflict",
        ref("application_id", "fph_application", index=True),
        ref("member_id", "fph_member"),
        timestamp("declared_at"),
        unique=[("application_id", "member_id")],
    )
    create_table(
        "fph_decision",
        ref("application_id", "fph_application", index=True),
        ref("meeting_id", "fph_meeting", index=True),
        string("outcome", 20),
        integer("amount_cents", nullable=True),
        text("reason"),
        integer("votes_for"),
        integer("votes_against"),
        integer("votes_abstain"),
        integer("quorum"),
        timestamp("decided_at"),
        string("decided_by", 32),
        integer("ledger_seq", nullable=True),
        unique=[("application_id", "meeting_id")],
        checks={
            "amount_positive": "amount_cents IS NULL OR amount_cents > 0",
        },
    )
    create_table(
        "fph_payment",
        ref("application_id", "fph_application", index=True),
        ref("fund_id", "fph_fund", index=True),
        string("kind", 20),
        integer("amount_cents"),
        day("paid_on"),
        string("reference", 100),
        string("recorded_by", 32),
        timestamp("recorded_at"),
        checks={
            "amount_positive": "amount_cents > 0",
        },
    )
    create_table(
        "assembly_attendance",
        ref("meeting_id", "assembly_meeting", index=True),
        ref("member_id", "assembly_member", index=True),
        boolean("present"),
        unique=[("meeting_id", "member_id")],
    )
    create_table(
        "assembly_group_member",
        ref("group_id", "assembly_group", index=True),
        ref("member_id", "assembly_member", index=True),
        unique=[("group_id", "member_id")],
    )
    create_table(
        "assembly_vote",
        ref("recommendation_id", "assembly_recommendation", index=True),
        ref("member_id", "assembly_member", index=True),
        string("choice", 12),
        string("recorded_by", 32),
        timestamp("at"),
        unique=[("recommendation_id", "member_id")],
    )
    create_table(
        "fph_attachment",
        ref("application_id", "fph_application", index=True),
        ref("bilan_id", "fph_bilan", nullable=True, index=True),
        string("kind", 20),
        string("token", 64, unique=True),
        string("original_name", 200),
        string("content_type", 50),
        integer("size_bytes"),
        string("sha256", 64),
        string("uploaded_by", 32),
        timestamp("uploaded_at"),
    )
    create_table(
        "fph_vote",
        ref("item_id", "fph_agenda_item", index=True),
        ref("member_id", "fph_member"),
        string("choice", 20),
        string("recorded_by", 32),
        timestamp("recorded_at"),
        unique=[("item_id", "member_id")],
    )
    if op.get_bind().dialect.name == "postgresql":
        # The journal is append-only: refuse any UPDATE, DELETE or TRUNCATE at the database level.
        op.execute(LEDGER_GUARD_FUNCTION)
        op.execute(
            "CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry "
            "FOR EACH ROW EXECUTE FUNCTION ledger_entry_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON ledger_entry "
            "FOR EACH STATEMENT EXECUTE FUNCTION ledger_entry_refuse_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_no_truncate ON ledger_entry")
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry")
        op.execute("DROP FUNCTION IF EXISTS ledger_entry_refuse_change()")
    drop_tables(*TABLES)
