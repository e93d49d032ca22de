# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_bulk_global_optspecs
    string join \n json q/quiet h/help V/version
end

function __fish_bulk_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_bulk_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_bulk_using_subcommand
    set -l cmd (__fish_bulk_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c bulk -n "__fish_bulk_needs_command" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c bulk -n "__fish_bulk_needs_command" -s q -l quiet -d 'Print only errors on stderr (no progress, no summaries)'
complete -c bulk -n "__fish_bulk_needs_command" -s h -l help -d 'Print help'
complete -c bulk -n "__fish_bulk_needs_command" -s V -l version -d 'Print version'
complete -c bulk -n "__fish_bulk_needs_command" -f -a "import" -d 'Import CSV files (or audio) into the service: validate, split, submit, wait, report'
complete -c bulk -n "__fish_bulk_needs_command" -f -a "export" -d 'Export every object of a type from the service into a CSV (or a ZIP of CSVs)'
complete -c bulk -n "__fish_bulk_needs_command" -f -a "jobs" -d 'Bulk jobs: the dashboard (list), one job (show), or wait for one to finish'
complete -c bulk -n "__fish_bulk_needs_command" -f -a "errors" -d 'Download a job\'s error CSV (the failed rows plus an Error Message column)'
complete -c bulk -n "__fish_bulk_needs_command" -f -a "validate" -d 'Check CSV files offline, against the schema of their object type, and report every problem'
complete -c bulk -n "__fish_bulk_needs_command" -f -a "template" -d 'Write the CSV template of an object type: its header row, and with --example a valid row'
complete -c bulk -n "__fish_bulk_needs_command" -f -a "split" -d 'Cut a CSV (or a set of WAV files) into chunks the service accepts'
complete -c bulk -n "__fish_bulk_needs_command" -f -a "login" -d 'Save a profile (a service, or a Webex Contact Center organisation) and its token, or show the target'
complete -c bulk -n "__fish_bulk_needs_command" -f -a "sandbox" -d 'Run a local sandbox of the bulk-operations service, for trying imports without a tenant'
complete -c bulk -n "__fish_bulk_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bulk -n "__fish_bulk_using_subcommand import" -s t -l type -d 'Object type of the files; detected from the file name or header when absent' -r -f -a "entry-point\t'Entry Point'
outdial-entry-point\t'Outdial Entry Point'
queue\t'Queue'
outdial-queue\t'Outdial Queue'
site\t'Site'
team\t'Team'
user\t'User'
user-profile\t'User Profile'
work-type\t'Work Type'
auxiliary-code\t'Auxiliary Code'
agent-profile\t'Agent Profile (Desktop Profile)'
address-book\t'Address Book'
outdial-ani\t'Outdial ANI'
skill-definition\t'Skill Definition'
skill-profile\t'Skill Profile'
entry-point-mapping\t'Entry Point Mappings (DN to EP mapping)'
audio-file\t'Audio File'"
complete -c bulk -n "__fish_bulk_using_subcommand import" -l encoding -d 'Text encoding of the input (e.g. windows-1252, iso-8859-1); UTF-8 and UTF-16 with a BOM are recognised without it' -r
complete -c bulk -n "__fish_bulk_using_subcommand import" -l delimiter -d 'Field separator of the input, e.g. \';\' or \'\\t\' (as Excel writes in many locales)' -r
complete -c bulk -n "__fish_bulk_using_subcommand import" -l profile -d 'Profile to use (see `bulk login`); also BULK_PROFILE' -r
complete -c bulk -n "__fish_bulk_using_subcommand import" -l max-retries -d 'Retries of one request on connection errors, 429 and 5xx before giving up' -r
complete -c bulk -n "__fish_bulk_using_subcommand import" -l rate -d 'With a `wxcc` profile: most requests a minute to the Configuration API (default 300, Cisco\'s published limit per client). Applies to the engine this command starts' -r
complete -c bulk -n "__fish_bulk_using_subcommand import" -l batch -d 'With a `wxcc` profile: items per bulk call (default 50; Cisco publishes no limit, so this default is unverified on a real tenant: try a test tenant first)' -r
complete -c bulk -n "__fish_bulk_using_subcommand import" -l errors-out -d 'Where the merged error CSV goes (with several inputs: a directory). Default: `<name>.errors.csv` beside each input' -r -F
complete -c bulk -n "__fish_bulk_using_subcommand import" -l timeout -d 'Give up waiting after this long (e.g. 90s, 30m, 2h) with exit code 7; resumable' -r
complete -c bulk -n "__fish_bulk_using_subcommand import" -l plan -d 'Show what the import would do, object by object, and send nothing'
complete -c bulk -n "__fish_bulk_using_subcommand import" -l detailed-exitcode -d 'With --plan: exit 0 when nothing would change and 10 when something would (4 when some objects would fail), so a pipeline can detect drift'
complete -c bulk -n "__fish_bulk_using_subcommand import" -l changed-only -d 'Plan first, then send only what would change: the objects the plan finds unchanged are counted in the summary and not sent (a multi-row object whole); those it finds in error are sent, so that their rows reach the error file with the service\'s message'
complete -c bulk -n "__fish_bulk_using_subcommand import" -l no-wait -d 'Submit and return at once; `bulk jobs wait ID` or `bulk import --resume` picks it up'
complete -c bulk -n "__fish_bulk_using_subcommand import" -l skip-invalid -d 'Send the valid rows and put the invalid ones in the error file, instead of sending nothing'
complete -c bulk -n "__fish_bulk_using_subcommand import" -l include-errors -d 'In a directory, import the error files of earlier imports (`*.errors.csv`) too'
complete -c bulk -n "__fish_bulk_using_subcommand import" -l excel-safe -d 'Remove the `\'` that `bulk export --excel-safe` puts before values beginning with =, +, - or @. Without it the guards go only from a file that reads as such an export (every formula-like value guarded); the count of values changed is printed'
complete -c bulk -n "__fish_bulk_using_subcommand import" -l keep-guards -d 'Keep every spreadsheet formula guard, even in a file that reads as an `export --excel-safe` output'
complete -c bulk -n "__fish_bulk_using_subcommand import" -l resume -d 'Continue an interrupted import of the same files (also automatic when a journal exists)'
complete -c bulk -n "__fish_bulk_using_subcommand import" -l restart -d 'Start over even if a journal of an interrupted import exists'
complete -c bulk -n "__fish_bulk_using_subcommand import" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c bulk -n "__fish_bulk_using_subcommand import" -s q -l quiet -d 'Print only errors on stderr (no progress, no summaries)'
complete -c bulk -n "__fish_bulk_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bulk -n "__fish_bulk_using_subcommand export" -s o -l output -d 'File (or directory) to write, `-` for stdout; default `<type>.csv` / `<type>.zip` in the current directory' -r -F
complete -c bulk -n "__fish_bulk_using_subcommand export" -l profile -d 'Profile to use (see `bulk login`); also BULK_PROFILE' -r
complete -c bulk -n "__fish_bulk_using_subcommand export" -l max-retries -d 'Retries of one request on connection errors, 429 and 5xx before giving up' -r
complete -c bulk -n "__fish_bulk_using_subcommand export" -l rate -d 'With a `wxcc` profile: most requests a minute to the Configuration API (default 300, Cisco\'s published limit per client). Applies to the engine this command starts' -r
complete -c bulk -n "__fish_bulk_using_subcommand export" -l batch -d 'With a `wxcc` profile: items per bulk call (default 50; Cisco publishes no limit, so this default is unverified on a real tenant: try a test tenant first)' -r
complete -c bulk -n "__fish_bulk_using_subcommand export" -l timeout -d 'Give up waiting after this long (exit code 7)' -r
complete -c bulk -n "__fish_bulk_using_subcommand export" -l merge -d 'Join a ZIP of CSVs into one CSV (one header)'
complete -c bulk -n "__fish_bulk_using_subcommand export" -l force -d 'Replace the output file if it exists (without it, an existing file is never overwritten)'
complete -c bulk -n "__fish_bulk_using_subcommand export" -l excel-safe -d 'Neutralise cells that a spreadsheet would run as formulas (=, +, -, @) with a leading \''
complete -c bulk -n "__fish_bulk_using_subcommand export" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c bulk -n "__fish_bulk_using_subcommand export" -s q -l quiet -d 'Print only errors on stderr (no progress, no summaries)'
complete -c bulk -n "__fish_bulk_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and not __fish_seen_subcommand_from list show wait help" -l search -d 'Text to find in the job id or file name' -r
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and not __fish_seen_subcommand_from list show wait help" -l status -d 'new, in_progress, completed, completed_with_errors or failed' -r -f -a "new\t''
in_progress\t''
completed\t''
completed_with_errors\t''
failed\t''"
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and not __fish_seen_subcommand_from list show wait help" -l type -d 'Object type (user, team, ...)' -r -f -a "entry-point\t'Entry Point'
outdial-entry-point\t'Outdial Entry Point'
queue\t'Queue'
outdial-queue\t'Outdial Queue'
site\t'Site'
team\t'Team'
user\t'User'
user-profile\t'User Profile'
work-type\t'Work Type'
auxiliary-code\t'Auxiliary Code'
agent-profile\t'Agent Profile (Desktop Profile)'
address-book\t'Address Book'
outdial-ani\t'Outdial ANI'
skill-definition\t'Skill Definition'
skill-profile\t'Skill Profile'
entry-point-mapping\t'Entry Point Mappings (DN to EP mapping)'
audio-file\t'Audio File'"
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and not __fish_seen_subcommand_from list show wait help" -l job-type -d 'import or export' -r -f -a "import\t''
export\t''"
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and not __fish_seen_subcommand_from list show wait help" -l limit -d 'Most jobs to show' -r
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and not __fish_seen_subcommand_from list show wait help" -l profile -d 'Profile to use (see `bulk login`); also BULK_PROFILE' -r
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and not __fish_seen_subcommand_from list show wait help" -l max-retries -d 'Retries of one request on connection errors, 429 and 5xx before giving up' -r
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and not __fish_seen_subcommand_from list show wait help" -l rate -d 'With a `wxcc` profile: most requests a minute to the Configuration API (default 300, Cisco\'s published limit per client). Applies to the engine this command starts' -r
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and not __fish_seen_subcommand_from list show wait help" -l batch -d 'With a `wxcc` profile: items per bulk call (default 50; Cisco publishes no limit, so this default is unverified on a real tenant: try a test tenant first)' -r
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and not __fish_seen_subcommand_from list show wait help" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and not __fish_seen_subcommand_from list show wait help" -s q -l quiet -d 'Print only errors on stderr (no progress, no summaries)'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and not __fish_seen_subcommand_from list show wait help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and not __fish_seen_subcommand_from list show wait help" -f -a "list" -d 'List jobs, newest first (the default)'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and not __fish_seen_subcommand_from list show wait help" -f -a "show" -d 'Show one job'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and not __fish_seen_subcommand_from list show wait help" -f -a "wait" -d 'Wait for a job to finish; exit code as for an import (0, 4, 5, 7)'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and not __fish_seen_subcommand_from list show wait help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from list" -l search -d 'Text to find in the job id or file name' -r
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from list" -l status -d 'new, in_progress, completed, completed_with_errors or failed' -r -f -a "new\t''
in_progress\t''
completed\t''
completed_with_errors\t''
failed\t''"
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from list" -l type -d 'Object type (user, team, ...)' -r -f -a "entry-point\t'Entry Point'
outdial-entry-point\t'Outdial Entry Point'
queue\t'Queue'
outdial-queue\t'Outdial Queue'
site\t'Site'
team\t'Team'
user\t'User'
user-profile\t'User Profile'
work-type\t'Work Type'
auxiliary-code\t'Auxiliary Code'
agent-profile\t'Agent Profile (Desktop Profile)'
address-book\t'Address Book'
outdial-ani\t'Outdial ANI'
skill-definition\t'Skill Definition'
skill-profile\t'Skill Profile'
entry-point-mapping\t'Entry Point Mappings (DN to EP mapping)'
audio-file\t'Audio File'"
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from list" -l job-type -d 'import or export' -r -f -a "import\t''
export\t''"
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from list" -l limit -d 'Most jobs to show' -r
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from list" -l profile -d 'Profile to use (see `bulk login`); also BULK_PROFILE' -r
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only errors on stderr (no progress, no summaries)'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from show" -l profile -d 'Profile to use (see `bulk login`); also BULK_PROFILE' -r
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from show" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only errors on stderr (no progress, no summaries)'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from wait" -l timeout -d 'Give up after this long (exit code 7)' -r
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from wait" -l profile -d 'Profile to use (see `bulk login`); also BULK_PROFILE' -r
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from wait" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from wait" -s q -l quiet -d 'Print only errors on stderr (no progress, no summaries)'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from wait" -s h -l help -d 'Print help'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "list" -d 'List jobs, newest first (the default)'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one job'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "wait" -d 'Wait for a job to finish; exit code as for an import (0, 4, 5, 7)'
complete -c bulk -n "__fish_bulk_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bulk -n "__fish_bulk_using_subcommand errors" -s o -l output -d 'Where to write it; `-` or nothing means stdout' -r -F
complete -c bulk -n "__fish_bulk_using_subcommand errors" -l profile -d 'Profile to use (see `bulk login`); also BULK_PROFILE' -r
complete -c bulk -n "__fish_bulk_using_subcommand errors" -l max-retries -d 'Retries of one request on connection errors, 429 and 5xx before giving up' -r
complete -c bulk -n "__fish_bulk_using_subcommand errors" -l rate -d 'With a `wxcc` profile: most requests a minute to the Configuration API (default 300, Cisco\'s published limit per client). Applies to the engine this command starts' -r
complete -c bulk -n "__fish_bulk_using_subcommand errors" -l batch -d 'With a `wxcc` profile: items per bulk call (default 50; Cisco publishes no limit, so this default is unverified on a real tenant: try a test tenant first)' -r
complete -c bulk -n "__fish_bulk_using_subcommand errors" -l force -d 'Replace the output file if it exists (without it, an existing file is never overwritten)'
complete -c bulk -n "__fish_bulk_using_subcommand errors" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c bulk -n "__fish_bulk_using_subcommand errors" -s q -l quiet -d 'Print only errors on stderr (no progress, no summaries)'
complete -c bulk -n "__fish_bulk_using_subcommand errors" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bulk -n "__fish_bulk_using_subcommand validate" -s t -l type -d 'Object type of the files; detected from the file name or header when absent' -r -f -a "entry-point\t'Entry Point'
outdial-entry-point\t'Outdial Entry Point'
queue\t'Queue'
outdial-queue\t'Outdial Queue'
site\t'Site'
team\t'Team'
user\t'User'
user-profile\t'User Profile'
work-type\t'Work Type'
auxiliary-code\t'Auxiliary Code'
agent-profile\t'Agent Profile (Desktop Profile)'
address-book\t'Address Book'
outdial-ani\t'Outdial ANI'
skill-definition\t'Skill Definition'
skill-profile\t'Skill Profile'
entry-point-mapping\t'Entry Point Mappings (DN to EP mapping)'
audio-file\t'Audio File'"
complete -c bulk -n "__fish_bulk_using_subcommand validate" -l encoding -d 'Text encoding of the input (e.g. windows-1252, iso-8859-1); UTF-8 and UTF-16 with a BOM are recognised without it' -r
complete -c bulk -n "__fish_bulk_using_subcommand validate" -l delimiter -d 'Field separator of the input, e.g. \';\' or \'\\t\' (as Excel writes in many locales)' -r
complete -c bulk -n "__fish_bulk_using_subcommand validate" -l errors-out -d 'Write the invalid rows with their errors to this CSV (with several inputs: a directory, one `<name>.errors.csv` per input)' -r -F
complete -c bulk -n "__fish_bulk_using_subcommand validate" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c bulk -n "__fish_bulk_using_subcommand validate" -s q -l quiet -d 'Print only errors on stderr (no progress, no summaries)'
complete -c bulk -n "__fish_bulk_using_subcommand validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bulk -n "__fish_bulk_using_subcommand template" -s o -l output -d 'Where to write the template; `-` or nothing means stdout' -r -F
complete -c bulk -n "__fish_bulk_using_subcommand template" -l profile -d 'Profile to use (see `bulk login`); also BULK_PROFILE' -r
complete -c bulk -n "__fish_bulk_using_subcommand template" -l max-retries -d 'Retries of one request on connection errors, 429 and 5xx before giving up' -r
complete -c bulk -n "__fish_bulk_using_subcommand template" -l rate -d 'With a `wxcc` profile: most requests a minute to the Configuration API (default 300, Cisco\'s published limit per client). Applies to the engine this command starts' -r
complete -c bulk -n "__fish_bulk_using_subcommand template" -l batch -d 'With a `wxcc` profile: items per bulk call (default 50; Cisco publishes no limit, so this default is unverified on a real tenant: try a test tenant first)' -r
complete -c bulk -n "__fish_bulk_using_subcommand template" -l example -d 'Add one valid example row after the header'
complete -c bulk -n "__fish_bulk_using_subcommand template" -l force -d 'Replace the output file if it exists (without it, an existing file is never overwritten)'
complete -c bulk -n "__fish_bulk_using_subcommand template" -l list -d 'List the object types instead'
complete -c bulk -n "__fish_bulk_using_subcommand template" -l offline -d 'Use the schema built into bulk, without asking the service'
complete -c bulk -n "__fish_bulk_using_subcommand template" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c bulk -n "__fish_bulk_using_subcommand template" -s q -l quiet -d 'Print only errors on stderr (no progress, no summaries)'
complete -c bulk -n "__fish_bulk_using_subcommand template" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bulk -n "__fish_bulk_using_subcommand split" -s t -l type -d 'Object type of the files; detected from the file name or header when absent' -r -f -a "entry-point\t'Entry Point'
outdial-entry-point\t'Outdial Entry Point'
queue\t'Queue'
outdial-queue\t'Outdial Queue'
site\t'Site'
team\t'Team'
user\t'User'
user-profile\t'User Profile'
work-type\t'Work Type'
auxiliary-code\t'Auxiliary Code'
agent-profile\t'Agent Profile (Desktop Profile)'
address-book\t'Address Book'
outdial-ani\t'Outdial ANI'
skill-definition\t'Skill Definition'
skill-profile\t'Skill Profile'
entry-point-mapping\t'Entry Point Mappings (DN to EP mapping)'
audio-file\t'Audio File'"
complete -c bulk -n "__fish_bulk_using_subcommand split" -l encoding -d 'Text encoding of the input (e.g. windows-1252, iso-8859-1); UTF-8 and UTF-16 with a BOM are recognised without it' -r
complete -c bulk -n "__fish_bulk_using_subcommand split" -l delimiter -d 'Field separator of the input, e.g. \';\' or \'\\t\' (as Excel writes in many locales)' -r
complete -c bulk -n "__fish_bulk_using_subcommand split" -l out -d 'Directory for the chunks (created if missing; default: `<name>.chunks` beside the input)' -r -F
complete -c bulk -n "__fish_bulk_using_subcommand split" -l max-rows -d 'Most data rows in one chunk (default: the service\'s limit, 5000)' -r
complete -c bulk -n "__fish_bulk_using_subcommand split" -l max-bytes -d 'Most bytes in one chunk, header included: 5MB = 5,000,000 bytes; KiB/MiB also work (default: 5MB for CSV, 50MB for audio)' -r
complete -c bulk -n "__fish_bulk_using_subcommand split" -l dry-run -d 'Print the plan (chunks, rows, bytes, line ranges) and write nothing'
complete -c bulk -n "__fish_bulk_using_subcommand split" -l force -d 'Write into a --out directory that already holds other files'
complete -c bulk -n "__fish_bulk_using_subcommand split" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c bulk -n "__fish_bulk_using_subcommand split" -s q -l quiet -d 'Print only errors on stderr (no progress, no summaries)'
complete -c bulk -n "__fish_bulk_using_subcommand split" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bulk -n "__fish_bulk_using_subcommand login" -l profile -d 'Profile name (default: "default"); also BULK_PROFILE. "sandbox" is reserved for the local sandbox' -r
complete -c bulk -n "__fish_bulk_using_subcommand login" -l url -d 'Base URL of the bulk-operations API (https://, or http:// to loopback only)' -r
complete -c bulk -n "__fish_bulk_using_subcommand login" -l org -d 'Organisation id, for display and checks (with --wxcc: the bare UUID; without it, the token\'s organisation, from /v1/people/me)' -r
complete -c bulk -n "__fish_bulk_using_subcommand login" -l region -d 'The organisation\'s Webex region: its Configuration API is https://api.wxcc-REGION.cisco.com' -r -f -a "us1\t''
eu1\t''
eu2\t''
anz1\t''
ca1\t''
jp1\t''
sg1\t''"
complete -c bulk -n "__fish_bulk_using_subcommand login" -l api-url -d 'The Configuration API base instead of a region\'s (https://, or http:// to loopback)' -r
complete -c bulk -n "__fish_bulk_using_subcommand login" -l webex-api -d 'The Webex API base asked who the token belongs to (default https://webexapis.com)' -r
complete -c bulk -n "__fish_bulk_using_subcommand login" -l credentials-file -d 'OAuth credentials as JSON ({access_token, refresh_token, client_id, client_secret, expires_in or expires_at, token_url}); `-` reads standard input. bulk refreshes the access token and stores each new pair' -r -F
complete -c bulk -n "__fish_bulk_using_subcommand login" -l client-id -d 'The OAuth client (integration) id, for --web and --device' -r
complete -c bulk -n "__fish_bulk_using_subcommand login" -l client-secret-file -d 'A file holding the integration\'s client secret (else it is asked on the terminal)' -r -F
complete -c bulk -n "__fish_bulk_using_subcommand login" -l auth-url -d 'The authorization server\'s base: BASE/v1/authorize, BASE/v1/device/authorize, BASE/v1/device/token and BASE/v1/access_token (default https://webexapis.com)' -r
complete -c bulk -n "__fish_bulk_using_subcommand login" -l scope -d 'The scopes to ask for, space-separated' -r
complete -c bulk -n "__fish_bulk_using_subcommand login" -l redirect-port -d 'The loopback port of --web\'s redirect URI (0 picks a free one)' -r
complete -c bulk -n "__fish_bulk_using_subcommand login" -l token-stdin -d 'Read the token from standard input (with --wxcc, a JSON object is read as by --credentials-file)'
complete -c bulk -n "__fish_bulk_using_subcommand login" -l wxcc -d 'A Webex Contact Center organisation: bulk runs the jobs itself and calls Cisco\'s Configuration API. Never made the default without --default'
complete -c bulk -n "__fish_bulk_using_subcommand login" -l web -d 'Log in with a browser: OAuth authorization code with PKCE, redirected to http://127.0.0.1:PORT/callback (register that URI in the integration)'
complete -c bulk -n "__fish_bulk_using_subcommand login" -l device -d 'Log in without a browser here: prints a URL and a code to enter on any device, and waits'
complete -c bulk -n "__fish_bulk_using_subcommand login" -l status -d 'Show the current target and who you are, without the token'
complete -c bulk -n "__fish_bulk_using_subcommand login" -l logout -d 'Forget the profile (without --profile: the default one) and its token'
complete -c bulk -n "__fish_bulk_using_subcommand login" -l default -d 'Make this profile the default (the first bulk profile saved is the default anyway; a wxcc profile only with this flag)'
complete -c bulk -n "__fish_bulk_using_subcommand login" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c bulk -n "__fish_bulk_using_subcommand login" -s q -l quiet -d 'Print only errors on stderr (no progress, no summaries)'
complete -c bulk -n "__fish_bulk_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and not __fish_seen_subcommand_from serve token help" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and not __fish_seen_subcommand_from serve token help" -s q -l quiet -d 'Print only errors on stderr (no progress, no summaries)'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and not __fish_seen_subcommand_from serve token help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and not __fish_seen_subcommand_from serve token help" -f -a "serve" -d 'Serve the sandbox API until Ctrl-C or SIGTERM'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and not __fish_seen_subcommand_from serve token help" -f -a "token" -d 'Print the sandbox admin token on stdout (or create another organisation and print its token)'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and not __fish_seen_subcommand_from serve token help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l addr -d 'Address to listen on; port 0 picks a free port' -r
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l data-dir -d 'Data directory (default: the platform\'s local data directory, `.../bulk/sandbox`)' -r -F
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l row-delay-ms -d 'Pause this long per processed row, to watch progress' -r
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l max-rows -d 'Most data rows in one CSV (default 5000)' -r
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l max-bytes -d 'Largest CSV accepted (default 5MB)' -r
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l fault-500 -d 'Fraction of /v1 and /organization requests answered 500 (0.0 to 1.0)' -r
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l fault-429 -d 'Fraction of /v1 and /organization requests answered 429 with Retry-After: 1' -r
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l fault-reset -d 'Fraction of /v1 requests whose connection is dropped without an answer (after the work)' -r
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l fault-slow -d 'Fraction of /v1 requests delayed by --fault-slow-ms' -r
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l fault-slow-ms -d 'Delay of a slow request' -r
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l fault-lost-write -d 'Fraction of writes to /organization (the Configuration-API face) whose answer is lost after the write committed (the connection drops)' -r
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l fault-fail-job -d 'Fraction of import jobs that end as failed, with a reason, before processing any row' -r
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l fault-seed -d 'Seed of the fault dice, to repeat a run' -r
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l token-lifetime-requests -d 'Access tokens of the fake Webex authorization server (/v1/access_token) expire after serving this many requests (401), so that clients refresh; default: after an hour' -r
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l allow-remote -d 'Allow listening on an address other than loopback (the sandbox has no TLS)'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l print-url -d 'Also print the URL alone on stdout once listening'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l strict-bulk-updates -d 'Bulk SAVE items that carry an id fail with 400 "New configuration cannot have an id" for the types a live probe reported (site, team, skill, ...): update with PUT instead'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l strict-people -d 'Refuse to create people (POST /v1/people answers 403): a user row naming a missing person fails, as on a real tenant'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -s q -l quiet -d 'Print only errors on stderr (no progress, no summaries)'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from token" -l data-dir -d 'Data directory (default: as for `bulk sandbox serve`)' -r -F
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from token" -l new-org -d 'Create a new organisation with this name and print its admin\'s token' -r
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from token" -l email -d 'Email of the new organisation\'s admin user' -r
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from token" -l json -d 'Print one JSON document on stdout and nothing else there'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from token" -s q -l quiet -d 'Print only errors on stderr (no progress, no summaries)'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from token" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Serve the sandbox API until Ctrl-C or SIGTERM'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from help" -f -a "token" -d 'Print the sandbox admin token on stdout (or create another organisation and print its token)'
complete -c bulk -n "__fish_bulk_using_subcommand sandbox; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bulk -n "__fish_bulk_using_subcommand help; and not __fish_seen_subcommand_from import export jobs errors validate template split login sandbox help" -f -a "import" -d 'Import CSV files (or audio) into the service: validate, split, submit, wait, report'
complete -c bulk -n "__fish_bulk_using_subcommand help; and not __fish_seen_subcommand_from import export jobs errors validate template split login sandbox help" -f -a "export" -d 'Export every object of a type from the service into a CSV (or a ZIP of CSVs)'
complete -c bulk -n "__fish_bulk_using_subcommand help; and not __fish_seen_subcommand_from import export jobs errors validate template split login sandbox help" -f -a "jobs" -d 'Bulk jobs: the dashboard (list), one job (show), or wait for one to finish'
complete -c bulk -n "__fish_bulk_using_subcommand help; and not __fish_seen_subcommand_from import export jobs errors validate template split login sandbox help" -f -a "errors" -d 'Download a job\'s error CSV (the failed rows plus an Error Message column)'
complete -c bulk -n "__fish_bulk_using_subcommand help; and not __fish_seen_subcommand_from import export jobs errors validate template split login sandbox help" -f -a "validate" -d 'Check CSV files offline, against the schema of their object type, and report every problem'
complete -c bulk -n "__fish_bulk_using_subcommand help; and not __fish_seen_subcommand_from import export jobs errors validate template split login sandbox help" -f -a "template" -d 'Write the CSV template of an object type: its header row, and with --example a valid row'
complete -c bulk -n "__fish_bulk_using_subcommand help; and not __fish_seen_subcommand_from import export jobs errors validate template split login sandbox help" -f -a "split" -d 'Cut a CSV (or a set of WAV files) into chunks the service accepts'
complete -c bulk -n "__fish_bulk_using_subcommand help; and not __fish_seen_subcommand_from import export jobs errors validate template split login sandbox help" -f -a "login" -d 'Save a profile (a service, or a Webex Contact Center organisation) and its token, or show the target'
complete -c bulk -n "__fish_bulk_using_subcommand help; and not __fish_seen_subcommand_from import export jobs errors validate template split login sandbox help" -f -a "sandbox" -d 'Run a local sandbox of the bulk-operations service, for trying imports without a tenant'
complete -c bulk -n "__fish_bulk_using_subcommand help; and not __fish_seen_subcommand_from import export jobs errors validate template split login sandbox help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bulk -n "__fish_bulk_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "list" -d 'List jobs, newest first (the default)'
complete -c bulk -n "__fish_bulk_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "show" -d 'Show one job'
complete -c bulk -n "__fish_bulk_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "wait" -d 'Wait for a job to finish; exit code as for an import (0, 4, 5, 7)'
complete -c bulk -n "__fish_bulk_using_subcommand help; and __fish_seen_subcommand_from sandbox" -f -a "serve" -d 'Serve the sandbox API until Ctrl-C or SIGTERM'
complete -c bulk -n "__fish_bulk_using_subcommand help; and __fish_seen_subcommand_from sandbox" -f -a "token" -d 'Print the sandbox admin token on stdout (or create another organisation and print its token)'
