#!/bin/sh
# Converts one capture into pmacct JSON lines with the real chain: softflowd 1.1.0 (NetFlow v9) -> nfacctd 1.7.7's
# print plugin (nfacctd-print.conf next to this script). Usage: convert.sh CAPTURE.pcap[ng] OUT.jsonl UDP_PORT
# Fails unless every record softflowd reports sending is in OUT.
set -eu
pcap=$1; out=$2; port=$3
conf=$(mktemp); rm -f "$out"
sed -e "s|^nfacctd_port:.*|nfacctd_port: $port|" -e "s|^print_output_file\[p\]:.*|print_output_file[p]: $out|" \
  "$(dirname "$0")/nfacctd-print.conf" > "$conf"
nfacctd -f "$conf" > "$out.nfacctd.log" 2>&1 &
pid=$!
until grep -q "waiting for NetFlow/IPFIX data" "$out.nfacctd.log"; do sleep 0.2; done
softflowd -r "$pcap" -n 127.0.0.1:"$port" -v 9 -a -A milli > "$out.softflowd.log" 2>&1
sent=$(sed -n 's/.*Flows exported: [0-9]* (\([0-9]*\) records).*(0 failures).*/\1/p' "$out.softflowd.log")
[ -n "$sent" ] || { cat "$out.softflowd.log"; kill -INT "$pid"; exit 1; }
# The print plugin writes its cache every second (print_refresh_time); SIGINT once everything is out.
for i in $(seq 1 60); do [ -f "$out" ] && [ "$(wc -l < "$out")" -ge "$sent" ] && break; sleep 0.5; done
kill -INT "$pid"; wait "$pid" || true
rm -f "$conf" "$out.nfacctd.log" "$out.softflowd.log"
got=$(wc -l < "$out")
echo "$pcap: softflowd sent $sent records, nfacctd wrote $got"
[ "$got" -eq "$sent" ]
