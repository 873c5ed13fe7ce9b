# shellcheck shell=sh
# Runs right before every write of the files by the provider (one write guard for the files
# written together: CUTTER_FILE_COUNT, and per file CUTTER_PATH_i, CUTTER_SHA256_i, CUTTER_RECORD_KEY_i; its resource is replaced
# with each content change and whenever the plan saw a file missing or changed), in
# the same apply, for each file: the file's directory must resolve to itself (`cd -P`), and the path
# must be free or a regular file with a single link (a hard link would make the write
# change another name's file, which is not ours: systemd-tmpfiles refuses the same).
# A file already there is overwritten only if the stack wrote it (the record says so)
# or the operator asked to adopt pre-existing paths: then its original is copied, with
# owner and mode, next to the ownership records (0600) before the first write, and the
# tree remover puts it back on destroy. The record holds the sha256 of what is about to
# be written, so the remover can tell the stack's content from anyone else's.
# It prints the one line that says which write follows (`writing P (new file)`), and nothing
# for a file the stack wrote that already holds the content to write (no write follows).
set -eu
# A subshell per file: its `cd` and `exit` stay its own; a failure stops the step (set -e).
guard_file() {
  (
    sha="" key=""
    eval "sha=\$CUTTER_SHA256_$i key=\$CUTTER_RECORD_KEY_$i"
    what="refusing to write $p"
    enter_real_dir "$parent" "$what"
    if [ -L "$name" ]; then fail "$what: it is a symbolic link; nothing was written (remove the link and deploy again)"; fi
    if [ -e "$name" ]; then
      [ -f "$name" ] || fail "$what: something that is not a regular file is in its place; nothing was written (move it out of the tree and deploy again)"
      links=$(stat -c %h -- "$name")
      [ "$links" = 1 ] || fail "$what: it has $links hard links, so another name (maybe outside the tree) shares this file and a write would change it; nothing was written. Remove the other link (find it with: find / -xdev -samefile $p), then deploy again."
    fi
    record_of "$key"
    # What the provider's write that follows does, in words.
    if [ ! -e "$name" ]; then
      if [ -n "$owned" ]; then why="it was missing"; else why="new file"; fi
    elif [ -n "$owned" ] && [ "$record_sha256" = "$sha" ]; then
      # Already the content to write (the other file of the guard was the one to write): nothing follows.
      if [ "$(dd if="$name" iflag=nonblock bs=1048576 status=none | sha256sum)" = "$sha  -" ]; then exit 0; fi
      why="its content was changed by someone else"
    elif [ -n "$owned" ]; then
      why="new content"
    else
      why=""
    fi
    # A record already naming this content is not rewritten: re-writing a drifted file
    # needs no space outside the tree.
    case $owned in
      created)
        [ "$record_sha256" = "$sha" ] || record "$key" created "$p" "sha256=$sha"
        echo "writing $p ($why)"
        exit 0 ;;
      adopted)
        # Still adopted (even if the file went missing): destroy puts the original back.
        [ "$record_sha256" = "$sha" ] || record "$key" adopted "$p" "sha256=$sha" "original=$record_original" "mode=$record_mode" "owner=$record_owner"
        echo "writing $p ($why)"
        exit 0 ;;
    esac
    if [ ! -e "$name" ]; then
      record "$key" created "$p" "sha256=$sha"
      echo "writing $p ($why)"
      exit 0
    fi
    [ -n "$CUTTER_RECORD_DIR" ] || exit 0
    if [ "$CUTTER_ADOPT" != "1" ]; then
      fail "$what: it already exists and this stack did not write it (no record in $CUTTER_RECORD_DIR); nothing was changed. Move it away and deploy again, or deploy with CUTTER_ADOPT_EXISTING=1 to let the stack take it over (its original is then kept and put back by destroy)."
    fi
    # Adopt: keep the original first (no record yet means the stack never wrote this file).
    backup="$CUTTER_RECORD_DIR/$key.original"
    record_dir_ready
    original_mode=$(stat -c %a -- "$name")
    original_owner=$(stat -c %u:%g -- "$name")
    rm -f -- "$backup.tmp"
    (set -C; dd if="$name" iflag=nonblock bs=1048576 status=none > "$backup.tmp")
    mv -f -- "$backup.tmp" "$backup"
    record "$key" adopted "$p" "sha256=$sha" "original=$key.original" "mode=$original_mode" "owner=$original_owner"
    echo "adopted pre-existing $p: its original (owner $original_owner, mode $original_mode) is kept at $backup (0600); destroy puts it back"
  )
}
for_each_file guard_file
