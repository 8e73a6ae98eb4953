"""The "other client" of switchboard-testkit: one IMAP operation per run, via imaplib.

Reads one JSON object on stdin:
    {"host": ..., "port": ..., "user": ..., "password": ..., "op": ..., ...op arguments}
and writes one JSON object on stdout: {"ok": true, "result": ...} or
{"ok": false, "error": "..."} (exit status 1). Folder names are UTF-8 in and out; this
script converts them to and from IMAP's modified UTF-7 and quotes them.
"""

import base64
import imaplib
import json
import re
import socket
import ssl
import sys


def mutf7_encode(name):
    out, pending = [], []

    def flush():
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            b64 = base64.b64encode(raw).decode("ascii").rstrip("=").replace("/", ",")
            out.append("&" + b64 + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def mutf7_decode(name):
    def repl(match):
        body = match.group(1)
        if body == "":
            return "&"
        b64 = body.replace(",", "/")
        b64 += "=" * (-len(b64) % 4)
        return base64.b64decode(b64).decode("utf-16-be")

    return re.sub(r"&([A-Za-z0-9+,]*)-", repl, name)


def quote(name):
    encoded = mutf7_encode(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def uid_set(uids):
    return ",".join(str(int(u)) for u in uids)


def check(typ, data, what):
    if typ != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise RuntimeError("%s failed: %s %s" % (what, typ, detail))
    return data


def connect(cmd):
    conn = imaplib.IMAP4(cmd["host"], cmd["port"], timeout=30)
    check(*conn.login(cmd["user"], cmd["password"]), what="LOGIN")
    return conn


def select(conn, folder, readonly=False):
    check(*conn.select(quote(folder), readonly=readonly), what="SELECT " + folder)


def response_code(conn, name):
    """The value of an untagged `* OK [NAME ...]` response code, if any."""
    for line in conn.untagged_responses.get("OK", []) or []:
        text = line.decode("utf-8", "replace") if isinstance(line, bytes) else str(line)
        match = re.match(r"\[%s ([^\]]*)\]" % re.escape(name), text)
        if match:
            return match.group(1)
    return None


def expand_set(text):
    out = []
    for part in text.split(","):
        if ":" in part:
            lo, hi = (int(x) for x in part.split(":"))
            out.extend(range(min(lo, hi), max(lo, hi) + 1))
        else:
            out.append(int(part))
    return out


def op_capability(cmd):
    conn = imaplib.IMAP4(cmd["host"], cmd["port"], timeout=30)
    greeting = conn.welcome.decode("utf-8", "replace")
    pre = sorted(conn.capabilities)
    check(*conn.login(cmd["user"], cmd["password"]), what="LOGIN")
    data = check(*conn.capability(), what="CAPABILITY")
    post = data[-1].decode("ascii").upper().split()
    conn.logout()
    return {"greeting": greeting, "pre_login": pre, "post_login": post}


def op_tls_check(cmd):
    ctx = ssl.create_default_context(cafile=cmd["cafile"])
    hostname = cmd["server_hostname"]
    if cmd["mode"] == "implicit":
        raw = socket.create_connection((cmd["host"], cmd["port"]), timeout=30)
        sock = ctx.wrap_socket(raw, server_hostname=hostname)
        greeting = sock.recv(4096).decode("utf-8", "replace")
    else:
        conn = imaplib.IMAP4(cmd["host"], cmd["port"], timeout=30)
        check(*conn.starttls(ssl_context=ctx), what="STARTTLS")
        sock = conn.sock
        greeting = conn.welcome.decode("utf-8", "replace")
        check(*conn.login(cmd["user"], cmd["password"]), what="LOGIN after STARTTLS")
    return {"version": sock.version(), "greeting": greeting.strip()}


def op_append(cmd):
    conn = connect(cmd)
    with open(cmd["path"], "rb") as f:
        raw = f.read()
    flags = "(" + " ".join(cmd.get("flags", [])) + ")" if cmd.get("flags") else None
    data = check(*conn.append(quote(cmd["folder"]), flags, None, raw), what="APPEND")
    text = data[-1].decode("utf-8", "replace")
    match = re.search(r"\[APPENDUID \d+ (\d+)\]", text)
    if not match:
        raise RuntimeError("APPEND answered without APPENDUID: " + text)
    conn.logout()
    return int(match.group(1))


def op_store(cmd):
    conn = connect(cmd)
    if cmd["uids"]:
        select(conn, cmd["folder"])
        mode = cmd["mode"].upper()
        if mode not in ("+FLAGS", "-FLAGS", "FLAGS"):
            raise RuntimeError("mode must be +FLAGS, -FLAGS or FLAGS, not " + mode)
        flags = "(" + " ".join(cmd["flags"]) + ")"
        check(*conn.uid("STORE", uid_set(cmd["uids"]), mode + ".SILENT", flags), what="UID STORE")
    conn.logout()
    return None


def op_expunge(cmd):
    conn = connect(cmd)
    if cmd["uids"]:
        select(conn, cmd["folder"])
        uids = uid_set(cmd["uids"])
        check(*conn.uid("STORE", uids, "+FLAGS.SILENT", "(\\Deleted)"), what="UID STORE \\Deleted")
        check(*conn.uid("EXPUNGE", uids), what="UID EXPUNGE")
    conn.logout()
    return None


def op_move(cmd):
    conn = connect(cmd)
    pairs = []
    if cmd["uids"]:
        select(conn, cmd["folder"])
        check(*conn.uid("MOVE", uid_set(cmd["uids"]), quote(cmd["dest"])), what="UID MOVE")
        copyuid = response_code(conn, "COPYUID")
        if copyuid:
            _, source, dest = copyuid.split()
            pairs = list(zip(expand_set(source), expand_set(dest)))
    conn.logout()
    return pairs


def op_create(cmd):
    conn = connect(cmd)
    check(*conn.create(quote(cmd["name"])), what="CREATE " + cmd["name"])
    conn.subscribe(quote(cmd["name"]))
    conn.logout()
    return None


def op_delete_folder(cmd):
    conn = connect(cmd)
    conn.unsubscribe(quote(cmd["name"]))
    check(*conn.delete(quote(cmd["name"])), what="DELETE " + cmd["name"])
    conn.logout()
    return None


def op_rename_folder(cmd):
    conn = connect(cmd)
    check(*conn.rename(quote(cmd["from"]), quote(cmd["to"])), what="RENAME")
    conn.unsubscribe(quote(cmd["from"]))
    conn.subscribe(quote(cmd["to"]))
    conn.logout()
    return None


LIST_LINE = re.compile(rb'^\(([^)]*)\) (?:"(?:[^"\\]|\\.)*"|NIL) (.*)$')


def unquote(token):
    if token.startswith(b'"') and token.endswith(b'"'):
        token = re.sub(rb"\\(.)", rb"\1", token[1:-1])
    return token.decode("utf-8", "replace")


def op_list(cmd):
    conn = connect(cmd)
    data = check(*conn.list('""', "*"), what="LIST")
    folders = []
    for item in data:
        if isinstance(item, tuple):  # a name sent as a literal
            meta, literal = item
            match = LIST_LINE.match(meta.rstrip() + b" x")
            name = literal.decode("utf-8", "replace")
        else:
            match = LIST_LINE.match(item)
            name = unquote(match.group(2)) if match else None
        if not match:
            raise RuntimeError("unreadable LIST line: %r" % (item,))
        attrs = match.group(1).decode("ascii").split()
        folders.append({"name": mutf7_decode(name), "attrs": attrs})
    conn.logout()
    return folders


def op_status(cmd):
    conn = connect(cmd)
    items = "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)"
    data = check(*conn.status(quote(cmd["folder"]), items), what="STATUS")
    text = data[-1].decode("utf-8", "replace")
    values = dict(
        (k.lower(), int(v)) for k, v in re.findall(r"([A-Z]+) (\d+)", text.rsplit("(", 1)[-1])
    )
    conn.logout()
    return values


FETCH_UID = re.compile(rb"UID (\d+)")
FETCH_FLAGS = re.compile(rb"FLAGS \(([^)]*)\)")


def message_id_from(header):
    text = header.decode("utf-8", "replace")
    text = re.sub(r"\r?\n[ \t]+", " ", text).strip()
    match = re.match(r"(?i)message-id:\s*(.*)$", text, re.S)
    if not match:
        return None
    value = match.group(1).strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1].strip()
    return value or None


def op_state(cmd):
    conn = connect(cmd)
    select(conn, cmd["folder"], readonly=True)
    typ, data = conn.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    check(typ, data, what="UID FETCH")
    messages = []
    current = None
    for item in data:
        if item is None:
            continue
        if isinstance(item, tuple):
            current = {"meta": item[0], "header": item[1]}
            messages.append(current)
        elif re.match(rb"^\d+ \(", item):
            current = {"meta": item, "header": b""}
            messages.append(current)
        elif current is not None:
            current["meta"] += b" " + item
    out = []
    for m in messages:
        uid = FETCH_UID.search(m["meta"])
        flags = FETCH_FLAGS.search(m["meta"])
        if not uid:
            continue
        flag_list = flags.group(1).decode("utf-8", "replace").split() if flags else []
        out.append(
            {
                "uid": int(uid.group(1)),
                "message_id": message_id_from(m["header"]),
                "flags": sorted(f for f in flag_list if f != "\\Recent"),
            }
        )
    out.sort(key=lambda m: m["uid"])
    conn.logout()
    return out


OPS = {
    "capability": op_capability,
    "tls_check": op_tls_check,
    "append": op_append,
    "store": op_store,
    "expunge": op_expunge,
    "move": op_move,
    "create": op_create,
    "delete_folder": op_delete_folder,
    "rename_folder": op_rename_folder,
    "list": op_list,
    "status": op_status,
    "state": op_state,
}


def main():
    cmd = json.load(sys.stdin)
    try:
        result = OPS[cmd["op"]](cmd)
    except Exception as exc:  # reported to the Rust side as an io::Error
        json.dump({"ok": False, "error": "%s: %s" % (type(exc).__name__, exc)}, sys.stdout)
        return 1
    json.dump({"ok": True, "result": result}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
