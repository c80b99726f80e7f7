#!/usr/bin/env bash
# What reading screenshots adds to a fresh install: pip time and venv size without and with
# the OCR packages, downloads included (--no-cache-dir); then proves the OCR venv imports
# and loads the engine with no GUI OpenCV and no libGL. Figures in bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# the requirements before the OCR block
sed '/^# Reading check-in screenshots/,$d' requirements.txt >"$work/base.txt"
pip_install() {
  "$1/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir "${@:2}"
}
for kind in base ocr; do
  "$PY" -m venv "$work/$kind"
  start=$(date +%s.%N)
  if [ "$kind" = base ]; then
    pip_install "$work/$kind" -r "$work/base.txt"
  else
    pip_install "$work/$kind" -r requirements.txt
    pip_install "$work/$kind" --no-deps -r requirements-ocr.txt
  fi
  end=$(date +%s.%N)
  size=$(du -sm "$work/$kind" | cut -f1)
  printf '%s: pip %.1f s, venv %s MiB\n' "$kind" "$(echo "$end - $start" | bc)" "$size"
done
site=$("$work/ocr/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "largest in the OCR venv (MiB):"
du -sm "$site"/* | sort -n | tail -8
if "$work/ocr/bin/python" -m pip show opencv-python >/dev/null 2>&1; then
  echo "FAIL: the GUI build opencv-python got installed"
  exit 1
fi
if find "$site/cv2" "$site"/opencv_python_headless.libs -name '*.so*' -exec ldd {} + 2>/dev/null |
  grep -q 'libGL\.'; then
  echo "FAIL: OpenCV links libGL"
  exit 1
fi
"$work/ocr/bin/python" -c 'from rapidocr_onnxruntime import RapidOCR; RapidOCR(); print("engine loads: ok")'
