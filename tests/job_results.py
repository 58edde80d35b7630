"""Long operations as a client follows them: the job answered 202 is read at its Location until it ends,
and its outcome is given back as the response the request would have answered."""

from __future__ import annotations

import httpx

ENDED = ("succeeded", "failed")


async def finished(gateway: httpx.AsyncClient, accepted: httpx.Response, wait: float = 2) -> httpx.Response:
    """The operation's own answer: a 202's job followed to its end (any other answer as it is); each read
    waits at most `wait` seconds for the end, which must stay under the gateway's deadline."""
    if accepted.status_code != 202:
        return accepted
    location = accepted.request.url.join(accepted.headers["location"])
    caller = {"Authorization": accepted.request.headers["authorization"]}
    for _ in range(int(600 / wait)):  # ten minutes at most
        read = await gateway.get(location, params={"wait": wait}, headers=caller)
        assert read.status_code == 200, read.text
        job = read.json()
        if job["state"] in ENDED:
            succeeded = job["state"] == "succeeded"
            return httpx.Response(
                job["resultStatus"],
                json=job["result"] if succeeded else job["problem"],
                headers={"content-type": "application/json" if succeeded else "application/problem+json"},
                request=accepted.request,
            )
    raise AssertionError(f"the job at {location} did not end")
