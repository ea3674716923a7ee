# shellcheck shell=bash
# tests/e2e/readme_block.sh: readme_block NAME prints the ```sh block that follows the
# line "<!-- install: NAME -->" in README.md, so a suite runs the very commands the
# README tells a user to copy.
readme_block() {
	awk -v m="<!-- install: $1 -->" '
		$0 == m { armed = 1; next }
		armed && /^```sh$/ { inside = 1; next }
		inside && /^```$/ { exit }
		inside { print }' "$ROOT/README.md"
}
