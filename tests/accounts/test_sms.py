"""SMS backends: the Brevo client (httpx.MockTransport only, never the network), the file outbox."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from backend.config import Settings
from backend.errors import Unavailable
from backend.sms import BrevoSms, FileSms, Sms, make_sms_sender

URL = "https://api.brevo.com/v3/transactionalSMS/send"
TEXT = "Quartiers Participatifs : 481516 est votre code pour vous connecter."


def brevo(handler: httpx.MockTransport) -> BrevoSms:
    return BrevoSms("cle-secrete", "Quartiers", url=URL, transport=handler)


def test_brevo_client_sends_the_documented_request() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"messageId": 1511882900176220})

    brevo(httpx.MockTransport(handler)).send(Sms(to="+33612345678", text=TEXT))
    (request,) = seen
    assert request.method == "POST" and str(request.url) == URL
    assert request.headers["api-key"] == "cle-secrete"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "sender": "Quartiers",
        "recipient": "33612345678",
        "content": TEXT,
        "type": "transactional",
    }


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(401, json={"code": "unauthorized", "message": "Key not found"}),
        httpx.Response(402, json={"code": "not_enough_credits", "message": "33612345678 481516"}),
        httpx.Response(500, text="oops"),
    ],
)
def test_brevo_errors_give_a_french_message_and_leak_nothing(
    answer: httpx.Response, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    with pytest.raises(Unavailable) as error:
        brevo(httpx.MockTransport(lambda request: answer)).send(Sms(to="+33612345678", text=TEXT))
    assert "Le SMS n'a pas pu partir" in error.value.message
    assert "481516" not in caplog.text and "612345678" not in caplog.text
    assert "sms provider refused" in caplog.text


def test_brevo_timeout_gives_a_french_message(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    caplog.set_level("DEBUG")
    with pytest.raises(Unavailable) as error:
        brevo(httpx.MockTransport(handler)).send(Sms(to="+33612345678", text=TEXT))
    assert "réessayez dans quelques minutes" in error.value.message
    assert "481516" not in caplog.text and "612345678" not in caplog.text


def test_file_backend_writes_one_file_per_message(tmp_path: Path) -> None:
    outbox = FileSms(tmp_path / "sms")
    outbox.send(Sms(to="+33600000001", text="un"))
    outbox.send(Sms(to="+33600000002", text="deux"))
    files = sorted((tmp_path / "sms").glob("*.txt"))
    assert [f.read_text(encoding="utf-8") for f in files] == ["+33600000001\nun\n", "+33600000002\ndeux\n"]


def test_backend_is_chosen_by_settings(tmp_path: Path) -> None:
    assert isinstance(make_sms_sender(Settings(sms_backend="file", sms_dir=tmp_path)), FileSms)
    client = make_sms_sender(Settings(sms_backend="brevo", sms_api_key="k", sms_sender="QP"))
    assert isinstance(client, BrevoSms) and client.sender == "QP"
    with pytest.raises(ValueError, match="APP_SMS_API_KEY"):
        make_sms_sender(Settings(sms_backend="brevo"))
