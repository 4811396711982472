# Sourced by the scripts that run Python (dags/run_tests.sh, notebooks/run_tests.sh, src/bench/python/setup.sh).
# ensure_venv VENV REQUIREMENTS: creates the venv VENV with $PYTHON (else python3.11, else python3) if it is missing,
# and installs REQUIREMENTS into it whenever that file changed since the last install (a sha256 stamp in the venv).
ensure_venv() {
  local venv="$1" requirements="$2"
  local python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
  local stamp="$venv/.requirements.sha256"
  local want
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
    echo "$want" > "$stamp"
  fi
}
