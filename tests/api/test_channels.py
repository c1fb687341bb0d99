"""Merchant channel credentials: PUT /v1/channels/{name}, GET /v1/channels and `hutong channel
set/show`. Secrets go in and never come out (not in answers, not in logs, not in the clear in
the database); the sealed box opens with HKDF-SHA256(HUTONG_SECRET) and AES-256-GCM bound to
the merchant and channel, as docs/WALLETS.md says; bad configurations are refused naming the
field. Runs on both engines.
"""
import base64
import json
import os
import subprocess

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from conftest import BIN, ROOT

KEYS = os.path.join(ROOT, "tests", "data", "keys")
SECRET = b"test-secret-0123456789abcdef0123456789abcdef"  # conftest's HUTONG_SECRET
APIV3_KEY = "hutongTestAPIv3Key0123456789abcd"


def key(name):
    with open(os.path.join(KEYS, name)) as f:
        return f.read()


def wechatpay_config(**extra):
    c = {"mchid": "1230000109", "appid": "wxd678efh567hg6787",
         "merchant_serial": "3775B6A45ACD588826D15E583A95F5DD3E6F2BC3",
         "merchant_private_key": key("wechatpay_merchant_key.pem"), "apiv3_key": APIV3_KEY,
         "platform_certificates": [key("wechatpay_platform_cert.pem")], "base_url": "http://127.0.0.1:9"}
    c.update(extra)
    return c


def alipay_config(**extra):
    c = {"app_id": "2021000122671080", "seller_id": "2088102147948060",
         "app_private_key": key("alipay_app_key.pem"), "alipay_public_key": key("alipay_platform_pub.pem"),
         "gateway_url": "http://127.0.0.1:9/gateway.do"}
    c.update(extra)
    return c


SECRET_MARKERS = ("PRIVATE KEY", APIV3_KEY, "MIIE")


def assert_no_secret(text):
    for marker in SECRET_MARKERS:
        assert marker not in text, f"secret material {marker!r} leaked"


def open_box(box, merchant_id, channel, secret=SECRET):
    assert box.startswith("v1.")
    raw = base64.b64decode(box[3:])
    k = HKDF(hashes.SHA256(), 32, b"hutong secretbox v1", b"channel-credentials").derive(secret)
    aad = f"hutong channel-credentials merchant={merchant_id} channel={channel}".encode()
    return json.loads(AESGCM(k).decrypt(raw[:12], raw[12:], aad))


def test_put_and_get_show_no_secret(server, merchant):
    c, merchant_id, _ = merchant
    r = c.get("/v1/channels")
    assert r.status == 200
    assert [(v["channel"], v["configured"]) for v in r.json["data"]] == [
        ("sandbox", True), ("wechatpay", False), ("alipay", False)]
    r = c.request("PUT", "/v1/channels/wechatpay", body=wechatpay_config())
    assert r.status == 200, r
    assert r.json["configured"] and r.json["mchid"] == "1230000109"
    assert r.json["platform_serials"] == ["5157F09EFDC096DE15EBE81A47057A7232F1B8E1"]
    assert r.json["mode"] == "certificates"
    assert_no_secret(r.text)
    r = c.request("PUT", "/v1/channels/alipay", body=alipay_config())
    assert r.status == 200, r
    assert r.json["app_id"] == "2021000122671080" and r.json["seller_id"] == "2088102147948060"
    assert_no_secret(r.text)
    r = c.get("/v1/channels")
    assert [v["configured"] for v in r.json["data"]] == [True, True, True]
    assert_no_secret(r.text)
    # At rest: the config holds no secret, the box opens only with the right merchant and channel.
    rows = server.execute("SELECT channel, config, secret_box FROM channel_credentials WHERE merchant_id = ?",
                          merchant_id)
    assert len(rows) == 2
    for channel, config, box in rows:
        assert_no_secret(config + box)
        opened = open_box(box, merchant_id, channel)
        if channel == "wechatpay":
            assert set(opened) == {"merchant_private_key", "apiv3_key"}
            assert opened["apiv3_key"] == APIV3_KEY
        else:
            assert set(opened) == {"app_private_key"}
        with pytest.raises(Exception):
            open_box(box, merchant_id + 1, channel)
    # Nothing secret in the server's logs either.
    assert_no_secret(server.log())
    with open(os.path.join(server.dir, "access.log")) as f:
        assert_no_secret(f.read())


def test_replacing_uses_a_fresh_nonce(server, merchant):
    c, merchant_id, _ = merchant
    boxes = []
    for _ in range(2):
        assert c.request("PUT", "/v1/channels/alipay", body=alipay_config()).status == 200
        boxes.append(server.execute("SELECT secret_box FROM channel_credentials WHERE merchant_id = ?",
                                    merchant_id)[0][0])
    assert boxes[0] != boxes[1]
    assert open_box(boxes[0], merchant_id, "alipay") == open_box(boxes[1], merchant_id, "alipay")


def test_public_key_mode(merchant):
    c, _, _ = merchant
    config = wechatpay_config(platform_public_key=key("wechatpay_platform_pub.pem"),
                              platform_public_key_id="PUB_KEY_ID_0112340000000000000000000000000000")
    del config["platform_certificates"]
    r = c.request("PUT", "/v1/channels/wechatpay", body=config)
    assert r.status == 200, r
    assert r.json["mode"] == "public_key"
    assert r.json["platform_public_key_id"].startswith("PUB_KEY_ID_")


@pytest.mark.parametrize("channel,change,field", [
    ("wechatpay", {"mchid": None}, "mchid"),
    ("wechatpay", {"apiv3_key": "short"}, "apiv3_key"),
    ("wechatpay", {"apiv3_key": APIV3_KEY + "x"}, "apiv3_key"),
    ("wechatpay", {"merchant_private_key": "not a key"}, "merchant_private_key"),
    ("wechatpay", {"merchant_private_key": key("rsa2040_too_small.pem")}, "merchant_private_key"),
    ("wechatpay", {"platform_certificates": [key("wechatpay_platform_pub.pem")]}, "platform_certificates"),
    ("wechatpay", {"platform_certificates": None}, "platform_certificates"),
    ("wechatpay", {"platform_public_key_id": "PUB_KEY_ID_01"}, "platform_public_key_id"),
    ("wechatpay", {"base_url": "ftp://example.com"}, "base_url"),
    ("wechatpay", {"base_url": "https://api.example.com/"}, "base_url"),
    ("wechatpay", {"timeout_ms": 99}, "timeout_ms"),
    ("wechatpay", {"timeout_ms": 30001}, "timeout_ms"),
    ("wechatpay", {"merchant_private_key_file": "/etc/passwd"}, "merchant_private_key_file"),
    ("wechatpay", {"colour": "blue"}, "colour"),
    ("alipay", {"alipay_public_key": "AAAA"}, "alipay_public_key"),
    ("alipay", {"seller_id": "with space"}, "seller_id"),
    ("alipay", {"app_private_key": None}, "app_private_key"),
])
def test_bad_configurations_name_the_field(merchant, channel, change, field):
    c, _, _ = merchant
    config = wechatpay_config() if channel == "wechatpay" else alipay_config()
    for k, v in change.items():
        if v is None:
            config.pop(k)
        else:
            config[k] = v
    r = c.request("PUT", f"/v1/channels/{channel}", body=config)
    assert r.status == 400, r
    assert r.json["error"]["field"] == field
    assert c.get("/v1/channels").json["data"][1 if channel == "wechatpay" else 2]["configured"] is False


def test_limits_of_the_timeout(merchant):
    c, _, _ = merchant
    for ms in (100, 30000):
        r = c.request("PUT", "/v1/channels/wechatpay", body=wechatpay_config(timeout_ms=ms))
        assert r.status == 200 and r.json["timeout_ms"] == ms


def test_needs_a_merchant_key_and_a_known_channel(server, merchant, anon):
    c, _, _ = merchant
    assert anon.request("PUT", "/v1/channels/alipay", body=alipay_config()).status == 401
    assert anon.get("/v1/channels").status == 401
    assert c.request("PUT", "/v1/channels/unionpay", body={}).status == 404
    assert c.request("PUT", "/v1/channels/sandbox", body={}).status == 404
    assert c.request("PUT", "/v1/channels/alipay", raw=b"not json",
                     headers={"Content-Type": "application/json"}).status == 400


def test_cli_set_and_show(server, merchant, tmp_path):
    _, merchant_id, _ = merchant
    config = wechatpay_config()
    del config["merchant_private_key"], config["platform_certificates"]
    config["merchant_private_key_file"] = os.path.join(KEYS, "wechatpay_merchant_key.pem")
    config["platform_certificates_files"] = ["certs/platform.pem"]  # relative to the config file
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "platform.pem").write_text(key("wechatpay_platform_cert.pem"))
    (tmp_path / "wx.json").write_text(json.dumps(config))
    r = server.cli("channel", "set", "--merchant", str(merchant_id), "--channel", "wechatpay",
                   "--from-file", str(tmp_path / "wx.json"))
    view = json.loads(r.stdout)
    assert view["configured"] and view["platform_serials"] == ["5157F09EFDC096DE15EBE81A47057A7232F1B8E1"]
    assert_no_secret(r.stdout.decode() + r.stderr.decode())
    r = server.cli("channel", "show", "--merchant", str(merchant_id))
    views = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert [(v["channel"], v["configured"]) for v in views] == [("wechatpay", True), ("alipay", False)]
    assert_no_secret(r.stdout.decode())
    # A bad file is refused naming the member; nothing is stored.
    config["merchant_private_key_file"] = "missing.pem"
    (tmp_path / "wx.json").write_text(json.dumps(config))
    r = server.cli("channel", "set", "--merchant", str(merchant_id), "--channel", "alipay",
                   "--from-file", str(tmp_path / "wx.json"), check=False)
    assert r.returncode == 1 and b"merchant_private_key_file" in r.stderr


def test_cli_rekey_moves_every_merchant_to_the_new_secret_or_changes_nothing(server, merchant, tmp_path):
    c, merchant_id, _ = merchant
    assert c.request("PUT", "/v1/channels/wechatpay", body=wechatpay_config()).status == 200
    other_id, other_key = server.new_merchant()
    other = server.client(other_key)
    assert other.request("PUT", "/v1/channels/alipay", body=alipay_config()).status == 200
    other.close()
    rotated, third = b"rotated-secret-" + b"7" * 40, b"third-secret-" + b"5" * 40
    (tmp_path / "old").write_bytes(SECRET + b"\n")
    (tmp_path / "rotated").write_bytes(rotated)

    def rows():
        return server.execute("SELECT merchant_id, channel, config, secret_box FROM channel_credentials"
                              " ORDER BY merchant_id, channel")

    def rekey(current, old_file):
        env = dict(server.env, HUTONG_SECRET=current.decode())
        return subprocess.run([BIN, "channel", "rekey", "--old-secret-file", str(tmp_path / old_file)],
                              cwd=server.dir, env=env, capture_output=True, timeout=60)

    before = rows()
    assert len(before) >= 2
    r = rekey(rotated, "old")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip() == f"re-encrypted {len(before)}, already under the current secret 0"
    after = rows()
    for (m, ch, config, box), (m2, ch2, config2, box2) in zip(before, after):
        assert (m, ch, config) == (m2, ch2, config2) and box != box2
        assert open_box(box2, m, ch, rotated) == open_box(box, m, ch)
        with pytest.raises(Exception):
            open_box(box2, m, ch)
    assert_no_secret(r.stdout.decode() + r.stderr.decode())
    # Again: nothing left to do.
    r = rekey(rotated, "old")
    assert r.stdout.decode().strip() == f"re-encrypted 0, already under the current secret {len(before)}"
    # One record under neither secret (stored again by the server, which still has the old one):
    # the others would move, but nothing changes.
    assert c.request("PUT", "/v1/channels/alipay", body=alipay_config()).status == 200
    mixed = rows()
    r = rekey(third, "rotated")
    assert r.returncode == 1 and b"opens under neither secret" in r.stderr and b"nothing changed" in r.stderr
    assert rows() == mixed
    # Back to the server's secret: the rotated ones move, the re-stored one is already there.
    r = rekey(SECRET, "rotated")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip() == f"re-encrypted {len(mixed) - 1}, already under the current secret 1"
    for m, ch, _, box in rows():
        open_box(box, m, ch)
    # Bad invocations are refused.
    assert rekey(SECRET, "missing").returncode == 1
    r = server.cli("channel", "rekey", check=False)
    assert r.returncode == 2 and b"--old-secret-file" in r.stderr
