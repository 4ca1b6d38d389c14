"""Drives cmed's SSH server with the automation tools administrators use on IOS routers:
Netmiko's cisco_ios driver, scrapli's IOSXEDriver and the community's ntc-templates
(TextFSM). Run by tests/ssh_e2e.rs with the test virtualenv's python (scripts/test.sh makes
it); each command asserts what a CME router would give and exits non-zero, with the reason,
when cmed gives something else.

Usage: drive.py COMMAND PORT [ARGS...]
  netmiko PORT             show, configure (ephone-dn 77), save; ntc-templates parse the
                           shows (version, clock, users, logging)
  scrapli PORT             open, send_command, send_configs (ephone-dn 78)
  enable PORT USER PW SECRET
                           a privilege 1 user cannot configure until `enable` with the secret
  clear-line PORT          a second session sees the first in show users and clears its line
  vty-full PORT            with `line vty 0 1`, a third shell is told no line is free
  two-configuring PORT     two sessions in configuration mode see each other's changes
"""

import sys
import time

HOST = "127.0.0.1"


def netmiko_connect(port, user="admin", password="cisco", secret=""):
    from netmiko import ConnectHandler

    return ConnectHandler(
        device_type="cisco_ios",
        host=HOST,
        port=port,
        username=user,
        password=password,
        secret=secret,
        timeout=20,
        conn_timeout=20,
    )


def netmiko(port):
    d = netmiko_connect(port)
    assert d.find_prompt() == "CME-Office#", d.find_prompt()
    out = d.send_command("show ephone registered")
    assert "ephone" in out.lower(), out
    out = d.send_config_set(["ephone-dn 77", "number 7777"])
    assert "Invalid" not in out and "%" not in out.replace("%SYS-5-CONFIG_I", ""), out
    out = d.save_config()
    assert "[OK]" in out, out
    version = d.send_command("show version", use_textfsm=True)
    assert isinstance(version, list) and version, version
    v = version[0]
    assert v["hostname"] == "CME-Office", v
    assert v["version"] == "0.1.0", v
    assert v["config_register"] == "0x2102", v
    clock = d.send_command("show clock", use_textfsm=True)
    assert isinstance(clock, list) and clock, clock
    c = clock[0]
    assert c["timezone"] == "UTC" and c["year"].isdigit() and c["month"], c
    users = d.send_command("show users", use_textfsm=True)
    assert isinstance(users, list) and users, users
    mine = [u for u in users if u["line"].startswith("*")]
    assert mine and mine[0]["user"] == "admin" and mine[0]["location"] == HOST, users
    logs = d.send_command("show logging", use_textfsm=True)
    assert isinstance(logs, list) and logs, logs
    seen = {(entry["facility"], entry["mnemonic"]) for entry in logs}
    assert ("SEC_LOGIN", "LOGIN_SUCCESS") in seen, logs
    assert ("SYS", "CONFIG_I") in seen, logs
    d.disconnect()
    print("netmiko: ok")


def scrapli(port):
    from scrapli.driver.core import IOSXEDriver

    dev = {
        "host": HOST,
        "port": port,
        "auth_username": "admin",
        "auth_password": "cisco",
        "auth_strict_key": False,
        "transport": "system",
        "ssh_config_file": False,
        "timeout_ops": 20,
    }
    with IOSXEDriver(**dev) as conn:
        r = conn.send_command("show version")
        assert r.result.startswith("Cisco IOS Software"), r.result
        parsed = r.textfsm_parse_output()
        assert parsed and parsed[0]["hostname"] == "CME-Office", parsed
        r = conn.send_configs(["ephone-dn 78", "number 7878"])
        assert not r.failed, r.result
        r = conn.send_command("show running-config | section ephone-dn  78")
        assert "number 7878" in r.result, r.result
    print("scrapli: ok")


def enable(port, user, password, secret):
    d = netmiko_connect(port, user, password, secret)
    assert d.find_prompt() == "CME-Office>", d.find_prompt()
    out = d.send_command("configure terminal", expect_string=r"[>#]")
    assert "% Invalid input" in out, out
    d.enable()
    assert d.check_enable_mode(), d.find_prompt()
    out = d.send_config_set(["ephone-dn 79", "number 7979"])
    assert "number 7979" in out and "Invalid" not in out, out
    d.disconnect()
    print("enable: ok")


def clear_line(port):
    first = netmiko_connect(port)
    second = netmiko_connect(port)
    users = second.send_command("show users", use_textfsm=True)
    others = [u for u in users if not u["line"].startswith("*") and "vty" in u["line"]]
    assert others, users
    vty = others[0]["line"].split()[-1]
    out = second.send_command_timing(f"clear line vty {vty}")
    assert "[OK]" in out, out
    # The cleared session's connection is closed: its next command fails.
    deadline = time.time() + 10
    ended = False
    while time.time() < deadline and not ended:
        try:
            first.send_command("show clock", read_timeout=2)
        except Exception:
            ended = True
    assert ended, "the cleared session still answers"
    second.disconnect()
    print("clear-line: ok")


def vty_full(port):
    held = [netmiko_connect(port), netmiko_connect(port)]
    import paramiko

    c = paramiko.SSHClient()
    c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    c.connect(HOST, port=port, username="admin", password="cisco", look_for_keys=False, allow_agent=False)
    ch = c.invoke_shell()
    out = b""
    deadline = time.time() + 10
    while time.time() < deadline and not ch.exit_status_ready():
        if ch.recv_ready():
            out += ch.recv(4096)
        else:
            time.sleep(0.05)
    while ch.recv_ready():
        out += ch.recv(4096)
    assert b"% All vty lines are in use" in out, out
    assert ch.exit_status_ready(), "the third session was not closed"
    c.close()
    # A line given back is free again.
    held.pop().disconnect()
    deadline = time.time() + 10
    while True:
        try:
            netmiko_connect(port).disconnect()
            break
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    print("vty-full: ok")


def two_configuring(port):
    a = netmiko_connect(port)
    b = netmiko_connect(port)
    a.config_mode()
    b.config_mode()
    a.send_command("ephone-dn 80", expect_string=r"#")
    a.send_command("number 8080", expect_string=r"#")
    # The other session, still in configuration mode, sees the change at once.
    seen = b.send_command("do show running-config | section ephone-dn  80", expect_string=r"#")
    assert "number 8080" in seen, seen
    b.send_command("ephone-dn 80", expect_string=r"#")
    b.send_command("name Shared", expect_string=r"#")
    seen = a.send_command("do show running-config | section ephone-dn  80", expect_string=r"#")
    assert "name Shared" in seen and "number 8080" in seen, seen
    a.exit_config_mode()
    b.exit_config_mode()
    a.disconnect()
    b.disconnect()
    print("two-configuring: ok")


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "netmiko":
        netmiko(port)
    elif cmd == "scrapli":
        scrapli(port)
    elif cmd == "enable":
        enable(port, *sys.argv[3:6])
    elif cmd == "clear-line":
        clear_line(port)
    elif cmd == "vty-full":
        vty_full(port)
    elif cmd == "two-configuring":
        two_configuring(port)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
