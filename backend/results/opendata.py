"""Open data: each dataset is declared once (name, description, fields with types) and produces
plain rows; the same rows feed CSV, JSON, XLSX and ODS, and the declarations feed the index
page and the machine-readable data package (Frictionless Data Package / Table Schema).

Every format is open to everyone, without an account. Only public fields: no names, e-mails, phone numbers, addresses or account ids. Authors of
proposals and FPH holders are left out; an FPH grant is identified by its reference.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from backend.budget.models import Edition
from backend.results import opendata_rows as rows
from backend.results import queries

LICENCE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence version 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
FORMAT = "quartiers-participatifs/open-data-1"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str  # Table Schema types: string, integer, number, boolean, date, datetime
    description: str


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    description: str
    fields: tuple[FieldSpec, ...]
    rows: Callable[[Session], Iterator[dict[str, Any]]]

    def table_schema(self) -> dict[str, Any]:
        return {
            "fields": [{"name": f.name, "type": f.type, "description": f.description} for f in self.fields],
        }


def F(name: str, type_: str, description: str) -> FieldSpec:  # noqa: N802 - reads like a table
    return FieldSpec(name, type_, description)


# --- declarations --------------------------------------------------------------------------------

S, I, N, B, D = "string", "integer", "number", "boolean", "date"  # noqa: E741
DATASETS: tuple[Dataset, ...] = (
    Dataset("quartiers", "Quartiers prioritaires", "Les QPV, leur secteur et leur population (recensement).", (
        F("code_qpv", S, "Code officiel du quartier (QP2024)"), F("nom", S, "Nom officiel"),
        F("commune_insee", S, "Code INSEE de la commune principale"), F("secteur", S, "Secteur (configuration locale)"),
        F("population", I, "Nombre d'habitants"),
    ), rows.quartiers),
    Dataset("editions", "Budgets participatifs", "Chaque édition et ses règles.", (
        F("edition", S, "Identifiant de l'édition"), F("nom", S, "Nom"), F("phase", S, "Phase en cours"),
        F("territoire_type", S, "commune, secteur ou qpv"), F("territoire_codes", S, "Codes du territoire, séparés par des espaces"),
        F("enveloppes_par", S, "Une enveloppe par secteur ou par qpv"), F("montant_total_euros", I, "Somme des enveloppes"),
        F("plafond_projet_euros", I, "Coût maximum d'un projet"), F("age_minimum_vote", I, "Âge minimum pour voter"),
        F("regle_bulletin", S, "approval, knapsack ou majority_judgment"), F("choix_minimum", I, "Nombre minimum de projets"),
        F("choix_maximum", I, "Nombre maximum de projets (vide : sans limite)"), F("regle_comptage", S, "Règle de comptage (noms pabulib)"),
    ), rows.editions),
    Dataset("enveloppes", "Enveloppes", "L'argent de chaque secteur ou quartier, par édition.", (
        F("edition", S, "Identifiant de l'édition"), F("enveloppe_id", I, "Identifiant de l'enveloppe"),
        F("type", S, "secteur ou qpv"), F("code", S, "Code du secteur ou du QPV"), F("nom", S, "Nom"),
        F("montant_euros", I, "Montant"),
    ), rows.enveloppes),
    Dataset("propositions", "Propositions", "Les propositions publiques (sans le nom des auteurs) et les décisions prises.", (
        F("proposition_id", I, "Numéro"), F("edition", S, "Édition"), F("code_qpv", S, "Quartier"),
        F("enveloppe_id", I, "Enveloppe"), F("theme", S, "Thème"), F("titre", S, "Titre"), F("description", S, "Description"),
        F("lieu", S, "Lieu indiqué"), F("statut", S, "Statut"), F("cout_estime_auteur_euros", I, "Estimation de l'auteur"),
        F("cout_estime_services_euros", I, "Estimation des services"), F("raison_publique", S, "Raison publique d'un refus"),
        F("publiee_le", D, "Date de publication"), F("decidee_le", D, "Date de la décision de recevabilité"),
    ), rows.propositions),
    Dataset("resultats", "Résultats des votes", "Le résultat de chaque projet au vote, par enveloppe, avec le fichier des bulletins qui permet de recompter.", (
        F("edition", S, "Édition"), F("enveloppe_id", I, "Enveloppe"), F("proposition_id", I, "Projet"), F("titre", S, "Titre"),
        F("cout_euros", I, "Coût"), F("voix", I, "Voix (vote par approbation)"), F("mention_majoritaire", I, "Mention (jugement majoritaire, 0 à 3)"),
        F("retenu", B, "Projet retenu"), F("votants_enveloppe", I, "Votants de l'enveloppe"), F("population_enveloppe", I, "Habitants"),
        F("montant_enveloppe_euros", I, "Montant de l'enveloppe"), F("montant_decide_euros", I, "Montant des projets retenus"),
        F("regle_comptage", S, "Règle de comptage"), F("fichier_bulletins", S, "Fichier anonymisé des bulletins"),
        F("fichier_sha256", S, "Empreinte SHA-256 du fichier"), F("compte_le", D, "Date du comptage"),
    ), rows.resultats),
    Dataset("fph_subventions", "Subventions du FPH", "Les projets financés par les fonds de participation des habitants (sans le nom des porteurs).", (
        F("reference", S, "Référence de la demande"), F("fonds", S, "Fonds"), F("annee", I, "Année du fonds"), F("code_qpv", S, "Quartier"),
        F("titre", S, "Titre"), F("porteur_type", S, "group (habitants) ou association"), F("montant_demande_euros", N, "Montant demandé"),
        F("montant_accorde_euros", N, "Montant accordé"), F("statut", S, "granted ou closed (bilan accepté)"),
        F("decidee_le", D, "Date de la décision"), F("bilan", S, "État du bilan"),
    ), rows.fph),
    Dataset("assemblee_avis", "Avis de l'assemblée citoyenne", "Les recommandations votées par l'assemblée, avec les votes.", (
        F("saisine_id", I, "Saisine"), F("saisine", S, "Titre"), F("question", S, "Question du COPIL"), F("commune_insee", S, "Commune"),
        F("avis_publie_le", D, "Date de l'avis"), F("recommandation", I, "Numéro"), F("titre", S, "Titre"), F("texte", S, "Texte"),
        F("statut", S, "adopted ou rejected"), F("votes_pour", I, "Pour"), F("votes_contre", I, "Contre"), F("votes_abstention", I, "Abstention"),
    ), rows.avis),
    Dataset("assemblee_reponses", "Réponses du COPIL", "La réponse du COPIL à chaque recommandation, et son suivi.", (
        F("saisine_id", I, "Saisine"), F("recommandation", I, "Numéro"), F("titre", S, "Titre"),
        F("decision_copil", S, "adopted, adapted ou rejected"), F("raisons", S, "Raisons données"), F("repondu_le", D, "Date"),
        F("suivi_statut", S, "Dernier suivi"), F("suivi_texte", S, "Texte du dernier suivi"), F("suivi_le", D, "Date du dernier suivi"),
    ), rows.reponses),
    Dataset("realisations", "Réalisations", "Ce que deviennent les projets choisis : étape, avancement, service responsable.", (
        F("realisation_id", I, "Identifiant"), F("origine", S, "bp (budget participatif) ou fph"), F("origine_id", I, "Projet ou demande"),
        F("titre", S, "Titre"), F("code_qpv", S, "Quartier"), F("montant_euros", N, "Montant décidé"),
        F("etape", S, "etudes, travaux, livre ou abandonne"), F("avancement_pourcent", I, "Avancement"),
        F("service_responsable", S, "Service responsable"), F("raison_abandon", S, "Raison d'un abandon"), F("mis_a_jour_le", D, "Dernière mise à jour"),
    ), rows.realisations),
    Dataset("jalons", "Étapes des réalisations", "Les étapes datées de chaque réalisation.", (
        F("realisation_id", I, "Réalisation"), F("date", D, "Date"), F("titre", S, "Titre"), F("texte", S, "Texte"),
        F("etape", S, "Étape à ce moment"), F("avancement_pourcent", I, "Avancement à ce moment"), F("photo", B, "Une photo existe"),
    ), rows.jalons),
)  # fmt: skip
BY_NAME = {d.name: d for d in DATASETS}


# --- writers --------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def to_csv(dataset: Dataset, session: Session) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f.name for f in dataset.fields])
    for row in dataset.rows(session):
        writer.writerow([_cell(row.get(f.name)) for f in dataset.fields])
    return out.getvalue()


def to_json(dataset: Dataset, session: Session, base_url: str = "") -> str:
    body = {
        "format": FORMAT,
        "name": dataset.name,
        "title": dataset.title,
        "description": dataset.description,
        "licence": LICENCE,
        "schema": dataset.table_schema(),
        "schema_url": f"{base_url}/open-data/datapackage.json",
        "data": list(dataset.rows(session)),
    }
    return json.dumps(body, ensure_ascii=False, indent=1, default=str)


def datapackage(base_url: str) -> dict[str, Any]:
    """A Frictionless Data Package describing every dataset and its CSV file."""
    return {
        "profile": "tabular-data-package",
        "name": "quartiers-participatifs",
        "title": "Quartiers Participatifs — données ouvertes",
        "licenses": [LICENCE],
        "resources": [
            {
                "name": d.name,
                "title": d.title,
                "description": d.description,
                "path": f"{base_url}/open-data/{d.name}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "profile": "tabular-data-resource",
                "schema": d.table_schema(),
            }
            for d in DATASETS
        ],
    }


def to_xlsx(dataset: Dataset, session: Session) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(dataset.name[:31])

    def text(value: str) -> WriteOnlyCell:
        # openpyxl makes a formula of any text starting with "="; a resident's title must stay text.
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell

    ws.append([f.name for f in dataset.fields])
    for row in dataset.rows(session):
        values = (row.get(f.name) for f in dataset.fields)
        ws.append([text(v) if isinstance(v, str) else v for v in values])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_ods(dataset: Dataset, session: Session) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name=dataset.name[:31])

    def add(values: list[Any]) -> None:
        tr = TableRow()
        for value in values:
            if isinstance(value, bool) or value is None or not isinstance(value, int | float):
                cell = TableCell(valuetype="string")
                cell.addElement(P(text="" if value is None else str(_cell(value))))
            else:
                cell = TableCell(valuetype="float", value=value)
                cell.addElement(P(text=str(value)))
            tr.addElement(cell)
        table.addElement(tr)

    add([f.name for f in dataset.fields])
    for row in dataset.rows(session):
        add([row.get(f.name) for f in dataset.fields])
    doc.spreadsheet.addElement(table)
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


def edition_of(session: Session, slug: str) -> Edition | None:
    return next((e for e in queries.public_editions(session) if e.slug == slug), None)
