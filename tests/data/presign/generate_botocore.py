#!/usr/bin/env python3
"""Writes botocore.json: presigned GET URLs made by botocore (an independent signer) at a
fixed time, for tests/unit/presign_test.cpp to reproduce byte for byte.

xship is given each case's endpoint ("" = AWS) and addressing. For AWS, botocore is given
the regional endpoint https://s3.REGION.amazonaws.com explicitly, with virtual-hosted
addressing (path style for a bucket name with '.', which AWS's wildcard certificate does
not cover): left to itself it presigns on the global host s3.amazonaws.com, which
redirects for buckets outside us-east-1 (aws-cli#3050). xship uses the regional host.

usage: python3 generate_botocore.py > botocore.json   (needs botocore; no network)
"""
import datetime
import json
import sys
from unittest import mock

import botocore
import botocore.session
from botocore.config import Config

KEYS = {"access_key": "AKIAIOSFODNN7EXAMPLE", "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}

# name, region, endpoint ("" = AWS), addressing (auto|path|virtual), bucket, key,
# time, expires, session token
CASES = [
    ("aws-regional-virtual-host", "eu-west-1", "", "auto", "xship-releases",
     "v1.2.3/app.linux.amd64.tar.gz", "2024-02-29T23:59:59Z", 3600, ""),
    ("aws-us-east-1-regional-seven-days", "us-east-1", "", "auto", "examplebucket",
     "test.txt", "2013-05-24T00:00:00Z", 604800, ""),
    ("aws-session-token", "ap-southeast-2", "", "auto", "team-artifacts",
     "nightly/2026-12-03/xship.windows.amd64.zip", "2026-12-03T12:34:56Z", 43200,
     "IQoJb3JpZ2luX2VjEOr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+example/token=="),
    ("aws-key-spaces-unicode-slashes", "us-west-2", "", "auto", "xship-releases",
     "sub dir/ünï cödé ☃/a+b~c=d&e?#%.txt", "2025-01-01T00:00:00Z", 900, ""),
    ("aws-dotted-bucket-path-style", "us-west-2", "", "auto", "releases.example.com",
     "tool/1.0/tool.tar.gz", "2025-07-04T16:20:00Z", 3600, ""),
    ("aws-double-slash-key", "us-west-2", "", "auto", "xship-releases",
     "double//slash/file", "2025-01-01T00:00:01Z", 60, ""),
    ("custom-endpoint-port-path-style", "us-east-1", "http://127.0.0.1:7480", "path", "xship-test",
     "it/presign/dir/a b/ünï.bin", "2026-12-03T23:00:00Z", 1, ""),
    ("custom-https-port-path-style-token", "eu-central-1", "https://minio.example.com:9000", "path",
     "artifacts", "release 1.0/SHA256SUMS", "2026-06-15T08:09:10Z", 86400, "session+token/with=chars"),
    ("custom-https-virtual-host", "us-east-1", "https://storage.example.com:8443", "virtual",
     "bkt", "x/y.tar.zst", "2026-06-15T08:09:10Z", 7200, ""),
]

ADDRESSING = {"auto": None, "path": "path", "virtual": "virtual"}


def presign(region, endpoint, addressing, bucket, key, when, expires, token):
    fixed = datetime.datetime.strptime(when, "%Y-%m-%dT%H:%M:%SZ")

    class FixedDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return fixed

        @classmethod
        def now(cls, tz=None):
            return fixed.replace(tzinfo=tz) if tz else fixed

    s3cfg = {}
    if not endpoint:
        endpoint = f"https://s3.{region}.amazonaws.com"
        addressing = "path" if "." in bucket else "virtual"
    if ADDRESSING[addressing]:
        s3cfg["addressing_style"] = ADDRESSING[addressing]
    client = botocore.session.get_session().create_client(
        "s3", region_name=region, endpoint_url=endpoint,
        aws_access_key_id=KEYS["access_key"], aws_secret_access_key=KEYS["secret_key"],
        aws_session_token=token or None,
        config=Config(signature_version="s3v4", s3=s3cfg))
    with mock.patch("botocore.auth.datetime.datetime", FixedDatetime):
        return client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires)


def main():
    out = {"generator": f"tests/data/presign/generate_botocore.py with botocore {botocore.__version__}",
           "credentials": KEYS, "cases": []}
    for name, region, endpoint, addressing, bucket, key, when, expires, token in CASES:
        out["cases"].append({
            "name": name, "region": region, "endpoint": endpoint, "addressing": addressing,
            "bucket": bucket, "key": key, "time": when, "expires": expires, "session_token": token,
            "url": presign(region, endpoint, addressing, bucket, key, when, expires, token)})
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
