#!/usr/bin/env bash
# The container's health check: GET /healthz on the desk's own port with nothing but bash, since the
# .NET runtime images have no curl or wget. Exits 0 when the desk answers 200, else 1. The port is the
# first of ASPNETCORE_HTTP_PORTS (8080 in the image).
port=${ASPNETCORE_HTTP_PORTS:-8080}
port=${port%%[;,]*}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS=' ' read -r -t 5 _ status _ <&3 || exit 1
[[ $status == 200 ]] || exit 1
