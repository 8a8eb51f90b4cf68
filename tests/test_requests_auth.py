"""StravaAuth: the bearer token on Strava's API only, one refresh-and-retry when it helps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from strava_auth_helper import MissingScopeError, StravaAuth, api_base_url, raise_for_status
from strava_auth_helper.requests_auth import is_strava_api
from tests.fakes import checked, expect_refresh, refresh_answer, stored
from tests.helpers import ACCESS, NEW_ACCESS, REFRESH

pytestmark = pytest.mark.usefixtures("with_creds")

INVALID_TOKEN = {
    "message": "Authorization Error",
    "errors": [{"resource": "Athlete", "field": "access_token", "code": "invalid"}],
}
MISSING_PERMISSION = {
    "message": "Authorization Error",
    "errors": [{"resource": "AccessToken", "field": "activity:read_permission", "code": "missing"}],
}


@pytest.fixture
def elsewhere() -> Iterator[HTTPServer]:
    """Another origin: a photo CDN, a webhook receiver..."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    checked(server)
    server.clear()
    server.stop()


def bearer(server: HTTPServer) -> list[str | None]:
    return [request.headers.get("Authorization") for request, _ in server.log]


def api(strava: HTTPServer, path: str = "/api/v3/athlete") -> str:
    return strava.url_for(path)


def test_adds_bearer_header(strava: HTTPServer, token_path: Path) -> None:
    stored(token_path, 3600)
    strava.expect_oneshot_request(
        "/api/v3/athlete", headers={"Authorization": f"Bearer {ACCESS}"}
    ).respond_with_json({"id": 1})
    answer = requests.get(api(strava), auth=StravaAuth(token_path), timeout=5)
    assert answer.json() == {"id": 1}
    assert api_base_url() == strava.url_for("/api/v3")


def test_another_origin_never_gets_the_token(
    strava: HTTPServer, elsewhere: HTTPServer, token_path: Path
) -> None:
    stored(token_path, 3600)
    elsewhere.expect_oneshot_request("/photo.jpg").respond_with_data(b"jpeg")
    session = requests.Session()
    session.auth = StravaAuth(token_path)
    assert session.get(elsewhere.url_for("/photo.jpg"), timeout=5).content == b"jpeg"
    other_port = strava.url_for("/api/v3/athlete").replace(f":{strava.port}", f":{elsewhere.port}")
    elsewhere.expect_oneshot_request("/api/v3/athlete").respond_with_json({})
    session.get(other_port, timeout=5)  # same path and host name, another port
    assert bearer(elsewhere) == [None, None]


def test_both_of_stravas_api_origins_get_the_token_while_the_api_moves(
    strava: HTTPServer,
    elsewhere: HTTPServer,
    token_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # elsewhere plays the API's new host (api-v3.strava.com: no /api/v3 prefix), strava the
    # OAuth host whose /api/v3 is the API until Strava retires it.
    monkeypatch.setenv("STRAVA_API_URL", elsewhere.url_for("/"))
    stored(token_path, 3600)
    sent = {"Authorization": f"Bearer {ACCESS}"}
    elsewhere.expect_oneshot_request("/athlete", headers=sent).respond_with_json({"id": 1})
    strava.expect_oneshot_request("/api/v3/athlete", headers=sent).respond_with_json({"id": 1})
    session = requests.Session()
    session.auth = StravaAuth(token_path)
    assert api_base_url() == elsewhere.url_for("/").rstrip("/")
    assert session.get(f"{api_base_url()}/athlete", timeout=5).json() == {"id": 1}
    assert session.get(api(strava), timeout=5).json() == {"id": 1}


@pytest.mark.parametrize(
    ("url", "gets_the_token"),
    [
        ("https://www.strava.com/api/v3/athlete", True),
        ("https://api-v3.strava.com/athlete", True),
        ("https://API-V3.strava.com:443/athlete", True),
        ("https://api-v3.strava.com.evil.example/athlete", False),
        ("https://evil.example/api-v3.strava.com/athlete", False),
        ("https://api-v3.strava.com:8443/athlete", False),
        ("http://api-v3.strava.com/athlete", False),
        ("https://www.api-v3.strava.com/athlete", False),  # Strava's e-mail's spelling
        ("https://strava.com/api/v3/athlete", False),
        ("https://api-v3.strava.com@evil.example/athlete", False),
        ("https://api-v3.strava.com:notaport/athlete", False),
    ],
)
def test_by_default_the_token_goes_to_stravas_two_api_origins_and_no_look_alike(
    url: str, gets_the_token: bool
) -> None:
    assert is_strava_api(url) is gets_the_token


def test_the_default_api_root_is_the_one_that_answers_today() -> None:
    # The new host answers from 4 January 2027; until a release flips it, the old root.
    assert api_base_url() == "https://www.strava.com/api/v3"


def test_with_only_strava_base_url_the_api_is_under_it_and_the_new_host_gets_nothing(
    strava: HTTPServer,
) -> None:
    assert api_base_url() == strava.url_for("/api/v3")
    assert not is_strava_api("https://api-v3.strava.com/athlete")  # a test's token stays here
    assert is_strava_api(strava.url_for("/api/v3/athlete"))


def test_a_redirect_to_another_host_that_answers_401_never_sees_a_token(
    strava: HTTPServer, elsewhere: HTTPServer, token_path: Path
) -> None:
    stored(token_path, 3600)
    strava.expect_oneshot_request("/api/v3/athlete").respond_with_response(
        Response(status=302, headers={"Location": elsewhere.url_for("/collect")})
    )
    elsewhere.expect_oneshot_request("/collect").respond_with_json(INVALID_TOKEN, status=401)
    answer = requests.get(api(strava), auth=StravaAuth(token_path), timeout=5)
    assert answer.status_code == 401
    assert bearer(elsewhere) == [None]
    assert [r.path for r, _ in strava.log] == ["/api/v3/athlete"]  # and no refresh


def test_refreshes_and_retries_once_on_an_invalid_token(
    strava: HTTPServer, token_path: Path
) -> None:
    stored(token_path, 3600)
    strava.expect_oneshot_request(
        "/api/v3/athlete", headers={"Authorization": f"Bearer {ACCESS}"}
    ).respond_with_json(INVALID_TOKEN, status=401)
    expect_refresh(strava)
    strava.expect_oneshot_request(
        "/api/v3/athlete", headers={"Authorization": f"Bearer {NEW_ACCESS}"}
    ).respond_with_json({"id": 1})
    answer = requests.get(api(strava), auth=StravaAuth(token_path), timeout=5)
    assert answer.status_code == 200
    assert [r.status_code for r in answer.history] == [401]
    assert strava.log[1][0].form["refresh_token"] == REFRESH


def test_gives_up_after_one_retry(strava: HTTPServer, token_path: Path) -> None:
    stored(token_path, 3600)
    strava.expect_request("/api/v3/athlete").respond_with_json(INVALID_TOKEN, status=401)
    expect_refresh(strava)
    answer = requests.get(api(strava), auth=StravaAuth(token_path), timeout=5)
    assert answer.status_code == 401
    paths = [request.path for request, _ in strava.log]
    assert paths == ["/api/v3/athlete", "/oauth/token", "/api/v3/athlete"]


@pytest.mark.parametrize("body", [{"message": "Authorization Error"}, "<html>401</html>"])
def test_a_401_that_does_not_blame_the_token_is_not_retried(
    strava: HTTPServer, token_path: Path, body: object
) -> None:
    stored(token_path, 3600)
    strava.expect_oneshot_request("/api/v3/athlete").respond_with_data(
        body if isinstance(body, str) else json.dumps(body), status=401
    )
    answer = requests.get(api(strava), auth=StravaAuth(token_path), timeout=5)
    assert answer.status_code == 401
    assert len(strava.log) == 1


def test_missing_permission_is_not_refreshed_and_names_the_scope(
    strava: HTTPServer, token_path: Path
) -> None:
    stored(token_path, 3600, scope="read")
    path = "/api/v3/athlete/activities"
    strava.expect_request(path).respond_with_json(MISSING_PERMISSION, status=401)
    session = requests.Session()
    session.auth = StravaAuth(token_path)
    answers = [session.get(api(strava, path), timeout=5) for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert [r.path for r, _ in strava.log] == [path] * 3  # three calls, no refresh
    assert answers[0].json() == MISSING_PERMISSION  # the answer itself is untouched
    with pytest.raises(requests.HTTPError) as plain:
        answers[0].raise_for_status()
    command = "strava-auth login --scope read,activity:read --force"
    assert "activity:read permission" in str(plain.value)
    assert command in str(plain.value)
    with pytest.raises(MissingScopeError, match=command):
        raise_for_status(answers[1])


def test_a_seekable_file_body_is_resent_whole(
    strava: HTTPServer, token_path: Path, tmp_path: Path
) -> None:
    stored(token_path, 3600)
    upload = tmp_path / "ride.gpx"
    upload.write_bytes(b"<gpx>" + b"x" * 50_000 + b"</gpx>")
    received: list[bytes] = []

    def first_refuse(request: Request) -> Response:
        received.append(request.get_data())
        if len(received) == 1:
            return Response(json.dumps(INVALID_TOKEN), status=401)
        return Response("{}", status=201)

    strava.expect_request("/api/v3/uploads", method="POST").respond_with_handler(first_refuse)
    expect_refresh(strava)
    with upload.open("rb") as body:
        body.read(5)  # requests sends from where the file stands; so must the retry
        answer = requests.post(
            api(strava, "/api/v3/uploads"), data=body, auth=StravaAuth(token_path), timeout=5
        )
    assert answer.status_code == 201
    assert received == [upload.read_bytes()[5:]] * 2


def test_a_body_that_cannot_be_rewound_is_never_resent(
    strava: HTTPServer, token_path: Path
) -> None:
    stored(token_path, 3600)
    strava.expect_oneshot_request("/api/v3/uploads", method="POST").respond_with_json(
        INVALID_TOKEN, status=401
    )
    chunks = (part for part in (b"one", b"two"))
    answer = requests.post(
        api(strava, "/api/v3/uploads"), data=chunks, auth=StravaAuth(token_path), timeout=5
    )
    assert answer.status_code == 401
    assert len(strava.log) == 1  # neither resent nor refreshed for nothing


def test_repr_hides_tokens(strava: HTTPServer, token_path: Path) -> None:
    stored(token_path, 3600)
    auth = StravaAuth(token_path)
    prepared = requests.Request("GET", api(strava), auth=auth).prepare()
    assert ACCESS in prepared.headers["Authorization"]
    assert ACCESS not in repr(auth)


def test_a_redirect_chain_back_to_strava_gets_no_token_and_no_retry(
    strava: HTTPServer, elsewhere: HTTPServer, token_path: Path
) -> None:
    # Strava -> another origin -> back to a Strava-origin path the other origin chose (307s
    # keep the method and body): the last hop carried no token, so it gets none, and its 401
    # is not "fixed" by a refresh and a resend with a token.
    stored(token_path, 3600)
    strava.expect_oneshot_request("/api/v3/uploads", method="POST").respond_with_response(
        Response(status=307, headers={"Location": elsewhere.url_for("/bounce")})
    )
    back = strava.url_for("/api/v3/chosen-by-the-other-origin")
    elsewhere.expect_oneshot_request("/bounce", method="POST").respond_with_response(
        Response(status=307, headers={"Location": back})
    )
    strava.expect_oneshot_request(
        "/api/v3/chosen-by-the-other-origin", method="POST"
    ).respond_with_json(INVALID_TOKEN, status=401)
    answer = requests.post(
        api(strava, "/api/v3/uploads"), data=b"activity", auth=StravaAuth(token_path), timeout=5
    )
    assert answer.status_code == 401
    assert bearer(strava) == [f"Bearer {ACCESS}", None]  # the last hop: none
    assert bearer(elsewhere) == [None]
    assert [r.path for r, _ in strava.log] == [
        "/api/v3/uploads",
        "/api/v3/chosen-by-the-other-origin",
    ]


def test_an_endpoint_that_always_says_invalid_costs_one_refresh(
    strava: HTTPServer, token_path: Path
) -> None:
    stored(token_path, 3600)
    strava.expect_request("/api/v3/athlete").respond_with_json(INVALID_TOKEN, status=401)
    strava.expect_request("/oauth/token", method="POST").respond_with_json(refresh_answer())
    session = requests.Session()
    session.auth = StravaAuth(token_path)
    for _ in range(20):
        assert session.get(api(strava), timeout=5).status_code == 401
    refreshes = [r for r, _ in strava.log if r.path == "/oauth/token"]
    assert len(refreshes) == 1
    assert bearer(strava)[-1] == f"Bearer {NEW_ACCESS}"  # the refreshed token is still used
