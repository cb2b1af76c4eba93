#!/usr/bin/env python3
"""Loopback stand-ins for what no real part can be on this machine: EC2's instance
metadata (IMDSv2), a container credentials endpoint, GitHub Actions' ID token service and
an STS answering AssumeRoleWithWebIdentity. Each hands out real temporary credentials that
RGW issued (AssumeRole with the rig's keys), so a publish through them reaches RGW for real.

    credfakes.py DIR RGW_ENDPOINT ACCESS_KEY SECRET_KEY ROLE_ARN

Listens on 127.0.0.1 only; writes DIR/port when ready and one line per request to
DIR/requests.log ("METHOD PATH header=value ..." for the headers the tests check), and the
credentials it handed out to DIR/issued (so the tests can check none is ever printed).
"""
import json
import os
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.session

DIR, RGW, ACCESS_KEY, SECRET_KEY, ROLE_ARN = sys.argv[1:6]
IMDS_TOKEN = "imds-session-token-0123456789"
GITHUB_REQUEST_TOKEN = "gh-request-token-0123456789"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJzdHMuYW1hem9uYXdzLmNvbSJ9.ZmFrZS1zaWduYXR1cmUtMDEyMzQ1"
ROLE_NAME = "xship-publisher"
lock = threading.Lock()

sts = botocore.session.get_session().create_client(
    "sts", endpoint_url=RGW, region_name="us-east-1",
    aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)


def real_temporary_credentials(session_name):
    c = sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName=session_name, DurationSeconds=900)["Credentials"]
    with lock, open(os.path.join(DIR, "issued"), "a") as f:
        f.write(c["SecretAccessKey"] + "\n" + c["SessionToken"] + "\n")
    return c


def credentials_json(c, token_field="Token"):
    return json.dumps({"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": c["AccessKeyId"],
                       "SecretAccessKey": c["SecretAccessKey"], token_field: c["SessionToken"],
                       "Expiration": c["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ")})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, extra=""):
        checked = ["x-aws-ec2-metadata-token-ttl-seconds", "x-aws-ec2-metadata-token", "authorization"]
        seen = " ".join(f"{h}={'set' if self.headers.get(h) else '-'}" for h in checked)
        with lock, open(os.path.join(DIR, "requests.log"), "a") as f:
            f.write(f"{self.command} {self.path} {seen} {extra}\n")

    def reply(self, status, body, content_type="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        self.record()
        if self.path == "/latest/api/token" and self.headers.get("x-aws-ec2-metadata-token-ttl-seconds"):
            return self.reply(200, IMDS_TOKEN, "text/plain")
        self.reply(400, "")

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        self.record("audience=" + ",".join(query.get("audience", [])))
        roles = "/latest/meta-data/iam/security-credentials/"
        if url.path.startswith(roles):
            if self.headers.get("x-aws-ec2-metadata-token") != IMDS_TOKEN:
                return self.reply(401, "")  # IMDSv2 only, as on a hardened instance
            if url.path == roles:
                return self.reply(200, ROLE_NAME, "text/plain")
            if url.path == roles + ROLE_NAME:
                return self.reply(200, credentials_json(real_temporary_credentials("imds")))
            return self.reply(404, "")
        if url.path == "/container/credentials":
            with open(os.path.join(DIR, "container-token")) as f:
                if self.headers.get("authorization") != f.read().strip():
                    return self.reply(401, '{"message": "bad token"}')
            return self.reply(200, credentials_json(real_temporary_credentials("container")))
        if url.path == "/github/token":
            if self.headers.get("authorization") != "bearer " + GITHUB_REQUEST_TOKEN:
                return self.reply(401, "{}")
            return self.reply(200, json.dumps({"count": 1, "value": JWT}))
        self.reply(404, "")

    def do_POST(self):
        form = urllib.parse.parse_qs(self.rfile.read(int(self.headers.get("content-length", 0))).decode())
        action = form.get("Action", [""])[0]
        self.record("action=" + action + " session=" + form.get("RoleSessionName", [""])[0])
        if action != "AssumeRoleWithWebIdentity" or self.headers.get("authorization"):
            return self.reply(400, "<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>", "text/xml")
        if form.get("WebIdentityToken", [""])[0] != JWT or form.get("RoleArn", [""])[0] != ROLE_ARN:
            return self.reply(400, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>token "
                              + form.get("WebIdentityToken", [""])[0] + " refused</Message></Error></ErrorResponse>", "text/xml")
        c = real_temporary_credentials("web")
        self.reply(200, "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
                   f"<AccessKeyId>{c['AccessKeyId']}</AccessKeyId><SecretAccessKey>{c['SecretAccessKey']}</SecretAccessKey>"
                   f"<SessionToken>{c['SessionToken']}</SessionToken>"
                   f"<Expiration>{c['Expiration'].strftime('%Y-%m-%dT%H:%M:%SZ')}</Expiration></Credentials>"
                   "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>", "text/xml")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
