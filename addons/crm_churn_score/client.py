"""Pull client: fetch score batches from a scoring service over HTTP (no Odoo here).

The service answers ``GET <url>?page=N`` (N from 1) with a batch as the push API takes it
(see payload.py) plus ``"next_page"``: the next page number, or null on the last page.

Every call has a timeout; a page is read up to the push API's body limit; a redirect is never
followed (the key would go to another address); at most ``max_pages`` pages are read.
"""

import time

import requests

from .payload import MAX_BODY_BYTES, EnvelopeError, load_json, shorten

DEFAULT_TIMEOUT = (5, 60)  # connect, read (seconds)
DEFAULT_MAX_PAGES = 100
RETRY_STATUSES = {429, 500, 502, 503, 504}


class PullError(Exception):
    """The service could not be read (after retries) or answered something unusable."""


class PageLimitReached(PullError):
    """The service announced more pages than the limit allows."""

    def __init__(self, pages, next_page):
        super().__init__(f"stopped after {pages} pages; the service announced page {next_page}")
        self.pages, self.next_page = pages, next_page


def _read_body(response, page):
    """The body of a streamed response, refused beyond MAX_BODY_BYTES."""
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=1024 * 1024):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PullError(f"page {page}: the answer is larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _get(session, url, page, key, timeout, retries, backoff, sleep):
    headers = {"Accept": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    last_problem = None
    for attempt in range(retries + 1):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        try:
            with session.get(
                url,
                params={"page": page},
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            ) as response:
                if response.status_code in RETRY_STATUSES:
                    last_problem = f"HTTP {response.status_code}"
                    continue
                if response.is_redirect or 300 <= response.status_code < 400:
                    location = shorten(response.headers.get("Location", ""), 200)
                    raise PullError(
                        f"page {page}: HTTP {response.status_code}, redirect to {location} not "
                        "followed: set the service's final address in Settings"
                    )
                if response.status_code != 200:
                    text = shorten(response.raw.read(200, decode_content=True), 200)
                    raise PullError(f"page {page}: HTTP {response.status_code}: {text}")
                data = _read_body(response, page)
        except requests.RequestException as error:
            last_problem = f"{type(error).__name__}: {shorten(str(error), 200)}"
            continue
        try:
            return load_json(data)
        except EnvelopeError as error:
            raise PullError(f"page {page}: the answer is not JSON ({error})") from error
    raise PullError(f"page {page}: gave up after {retries + 1} attempts ({last_problem})")


def fetch_batches(
    url,
    key=None,
    *,
    timeout=DEFAULT_TIMEOUT,
    retries=3,
    backoff=1.0,
    max_pages=DEFAULT_MAX_PAGES,
    session=None,
    sleep=time.sleep,
):
    """Yield (page, batch) for every page of the service, following ``next_page``, at most
    ``max_pages`` pages (then PageLimitReached)."""
    session = session or requests.Session()
    page = 1
    for count in range(1, max_pages + 1):
        body = _get(session, url, page, key, timeout, retries, backoff, sleep)
        if not isinstance(body, dict):
            raise PullError(f"page {page}: the answer is not a JSON object")
        next_page = body.pop("next_page", None)
        yield page, body
        if next_page is None:
            return
        if not isinstance(next_page, int) or isinstance(next_page, bool) or next_page <= page:
            raise PullError(f"page {page}: next_page must be a larger page number")
        if count == max_pages:
            raise PageLimitReached(count, shorten(next_page, 20))
        page = next_page
