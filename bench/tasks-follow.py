#!/usr/bin/env python3
"""tasks-follow.py: follow-latency probe for bench/tasks.sh.

Reads a streamed HTTP answer whose text is lines of `date +%s%N` written
inside a workspace, and prints, for each line, the milliseconds between
its writing (the timestamp in it) and its arrival here (this host's clock;
a container shares the host's kernel clock). Two shapes:
  raw URL KEY [INPUT_URL]     GET, the body is the lines (task output);
                              once following, "go\n" is POSTed to
                              INPUT_URL (the task waits for it to start)
  ndjson URL KEY BODY         POST BODY, NDJSON {"stream","data"} (exec)
"""
import http.client
import json
import sys
import time
import urllib.parse


def main():
    mode, url, key = sys.argv[1], sys.argv[2], sys.argv[3]
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    path = u.path + ('?' + u.query if u.query else '')
    h = {'Authorization': 'Bearer ' + key}
    if mode == 'raw':
        c.request('GET', path, headers=h)
    else:
        h['Content-Type'] = 'application/json'
        h['Accept'] = 'application/x-ndjson'
        c.request('POST', path, body=sys.argv[4], headers=h)
    r = c.getresponse()
    if r.status != 200:
        sys.exit('status %d: %s' % (r.status, r.read(300)))
    if mode == 'raw' and len(sys.argv) > 4:
        i = urllib.parse.urlsplit(sys.argv[4])
        g = http.client.HTTPConnection(i.hostname, i.port, timeout=30)
        g.request('POST', i.path, body='{"data":"go\\n"}',
                  headers={'Authorization': 'Bearer ' + key,
                           'Content-Type': 'application/json'})
        a = g.getresponse()
        a.read()
        if a.status != 200:
            sys.exit('input: status %d' % a.status)
    pend = b''
    text = b''
    while True:
        chunk = r.read1(65536)
        if not chunk:
            break
        now = time.time_ns()
        if mode == 'raw':
            text += chunk
        else:
            pend += chunk
            while b'\n' in pend:
                line, pend = pend.split(b'\n', 1)
                o = json.loads(line)
                if o.get('stream') == 'stdout':
                    text += o.get('data', '').encode()
        while b'\n' in text:
            line, text = text.split(b'\n', 1)
            line = line.strip()
            if line.isdigit():
                print('%.3f' % ((now - int(line)) / 1e6))
    sys.stdout.flush()


if __name__ == '__main__':
    main()
