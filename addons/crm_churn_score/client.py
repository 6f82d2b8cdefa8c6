"""Pull client: fetch score batches from a scoring service over HTTP (no Odoo here).

The service answers ``GET <url>?page=N`` (N from 1) with a batch as the push API takes it
(see payload.py) plus ``"next_page"``: the next page number, or null on the last page.
"""

import time

import requests

DEFAULT_TIMEOUT = (5, 60)  # connect, read (seconds)
RETRY_STATUSES = {429, 500, 502, 503, 504}


class PullError(Exception):
    """The service could not be read (after retries) or answered something unusable."""


def _get(session, url, page, key, timeout, retries, backoff, sleep):
    headers = {"Accept": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    last_problem = None
    for attempt in range(retries + 1):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        try:
            response = session.get(url, params={"page": page}, headers=headers, timeout=timeout)
        except requests.RequestException as error:
            last_problem = f"{type(error).__name__}: {error}"
            continue
        if response.status_code in RETRY_STATUSES:
            last_problem = f"HTTP {response.status_code}"
            continue
        if response.status_code != 200:
            raise PullError(f"page {page}: HTTP {response.status_code}: {response.text[:200]}")
        try:
            return response.json()
        except ValueError as error:
            raise PullError(f"page {page}: the answer is not JSON ({error})") from error
    raise PullError(f"page {page}: gave up after {retries + 1} attempts ({last_problem})")


def fetch_batches(
    url,
    key=None,
    *,
    timeout=DEFAULT_TIMEOUT,
    retries=3,
    backoff=1.0,
    max_pages=10_000,
    session=None,
    sleep=time.sleep,
):
    """Yield (page, batch) for every page of the service, following ``next_page``."""
    session = session or requests.Session()
    page = 1
    for _count in range(max_pages):
        body = _get(session, url, page, key, timeout, retries, backoff, sleep)
        if not isinstance(body, dict):
            raise PullError(f"page {page}: the answer is not a JSON object")
        next_page = body.pop("next_page", None)
        yield page, body
        if next_page is None:
            return
        if not isinstance(next_page, int) or next_page <= page:
            raise PullError(f"page {page}: next_page must be a larger page number")
        page = next_page
    raise PullError(f"more than {max_pages} pages")
