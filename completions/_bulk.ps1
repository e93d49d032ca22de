
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'bulk' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'bulk'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'bulk' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import CSV files (or audio) into the service: validate, split, submit, wait, report')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export every object of a type from the service into a CSV (or a ZIP of CSVs)')
            [CompletionResult]::new('jobs', 'jobs', [CompletionResultType]::ParameterValue, 'Bulk jobs: the dashboard (list), one job (show), or wait for one to finish')
            [CompletionResult]::new('errors', 'errors', [CompletionResultType]::ParameterValue, 'Download a job''s error CSV (the failed rows plus an Error Message column)')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check CSV files offline, against the schema of their object type, and report every problem')
            [CompletionResult]::new('template', 'template', [CompletionResultType]::ParameterValue, 'Write the CSV template of an object type: its header row, and with --example a valid row')
            [CompletionResult]::new('split', 'split', [CompletionResultType]::ParameterValue, 'Cut a CSV (or a set of WAV files) into chunks the service accepts')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Save a profile (a service, or a Webex Contact Center organisation) and its token, or show the target')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'Run a local sandbox of the bulk-operations service, for trying imports without a tenant')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'bulk;import' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Object type of the files; detected from the file name or header when absent')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Object type of the files; detected from the file name or header when absent')
            [CompletionResult]::new('--encoding', '--encoding', [CompletionResultType]::ParameterName, 'Text encoding of the input (e.g. windows-1252, iso-8859-1); UTF-8 and UTF-16 with a BOM are recognised without it')
            [CompletionResult]::new('--delimiter', '--delimiter', [CompletionResultType]::ParameterName, 'Field separator of the input, e.g. '';'' or ''\t'' (as Excel writes in many locales)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (see `bulk login`); also BULK_PROFILE')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'Retries of one request on connection errors, 429 and 5xx before giving up')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'With a `wxcc` profile: most requests a minute to the Configuration API (default 300, Cisco''s published limit per client). Applies to the engine this command starts')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'With a `wxcc` profile: items per bulk call (default 50; Cisco publishes no limit, so this default is unverified on a real tenant: try a test tenant first)')
            [CompletionResult]::new('--errors-out', '--errors-out', [CompletionResultType]::ParameterName, 'Where the merged error CSV goes (with several inputs: a directory). Default: `<name>.errors.csv` beside each input')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up waiting after this long (e.g. 90s, 30m, 2h) with exit code 7; resumable')
            [CompletionResult]::new('--plan', '--plan', [CompletionResultType]::ParameterName, 'Show what the import would do, object by object, and send nothing')
            [CompletionResult]::new('--detailed-exitcode', '--detailed-exitcode', [CompletionResultType]::ParameterName, 'With --plan: exit 0 when nothing would change and 10 when something would (4 when some objects would fail), so a pipeline can detect drift')
            [CompletionResult]::new('--changed-only', '--changed-only', [CompletionResultType]::ParameterName, 'Plan first, then send only what would change: the objects the plan finds unchanged are counted in the summary and not sent (a multi-row object whole); those it finds in error are sent, so that their rows reach the error file with the service''s message')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Submit and return at once; `bulk jobs wait ID` or `bulk import --resume` picks it up')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Send the valid rows and put the invalid ones in the error file, instead of sending nothing')
            [CompletionResult]::new('--include-errors', '--include-errors', [CompletionResultType]::ParameterName, 'In a directory, import the error files of earlier imports (`*.errors.csv`) too')
            [CompletionResult]::new('--excel-safe', '--excel-safe', [CompletionResultType]::ParameterName, 'Remove the `''` that `bulk export --excel-safe` puts before values beginning with =, +, - or @. Without it the guards go only from a file that reads as such an export (every formula-like value guarded); the count of values changed is printed')
            [CompletionResult]::new('--keep-guards', '--keep-guards', [CompletionResultType]::ParameterName, 'Keep every spreadsheet formula guard, even in a file that reads as an `export --excel-safe` output')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Continue an interrupted import of the same files (also automatic when a journal exists)')
            [CompletionResult]::new('--restart', '--restart', [CompletionResultType]::ParameterName, 'Start over even if a journal of an interrupted import exists')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'bulk;export' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'File (or directory) to write, `-` for stdout; default `<type>.csv` / `<type>.zip` in the current directory')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'File (or directory) to write, `-` for stdout; default `<type>.csv` / `<type>.zip` in the current directory')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (see `bulk login`); also BULK_PROFILE')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'Retries of one request on connection errors, 429 and 5xx before giving up')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'With a `wxcc` profile: most requests a minute to the Configuration API (default 300, Cisco''s published limit per client). Applies to the engine this command starts')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'With a `wxcc` profile: items per bulk call (default 50; Cisco publishes no limit, so this default is unverified on a real tenant: try a test tenant first)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up waiting after this long (exit code 7)')
            [CompletionResult]::new('--merge', '--merge', [CompletionResultType]::ParameterName, 'Join a ZIP of CSVs into one CSV (one header)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace the output file if it exists (without it, an existing file is never overwritten)')
            [CompletionResult]::new('--excel-safe', '--excel-safe', [CompletionResultType]::ParameterName, 'Neutralise cells that a spreadsheet would run as formulas (=, +, -, @) with a leading ''')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'bulk;jobs' {
            [CompletionResult]::new('--search', '--search', [CompletionResultType]::ParameterName, 'Text to find in the job id or file name')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'new, in_progress, completed, completed_with_errors or failed')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Object type (user, team, ...)')
            [CompletionResult]::new('--job-type', '--job-type', [CompletionResultType]::ParameterName, 'import or export')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Most jobs to show')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (see `bulk login`); also BULK_PROFILE')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'Retries of one request on connection errors, 429 and 5xx before giving up')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'With a `wxcc` profile: most requests a minute to the Configuration API (default 300, Cisco''s published limit per client). Applies to the engine this command starts')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'With a `wxcc` profile: items per bulk call (default 50; Cisco publishes no limit, so this default is unverified on a real tenant: try a test tenant first)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List jobs, newest first (the default)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one job')
            [CompletionResult]::new('wait', 'wait', [CompletionResultType]::ParameterValue, 'Wait for a job to finish; exit code as for an import (0, 4, 5, 7)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'bulk;jobs;list' {
            [CompletionResult]::new('--search', '--search', [CompletionResultType]::ParameterName, 'Text to find in the job id or file name')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'new, in_progress, completed, completed_with_errors or failed')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Object type (user, team, ...)')
            [CompletionResult]::new('--job-type', '--job-type', [CompletionResultType]::ParameterName, 'import or export')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Most jobs to show')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (see `bulk login`); also BULK_PROFILE')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulk;jobs;show' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (see `bulk login`); also BULK_PROFILE')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulk;jobs;wait' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this long (exit code 7)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (see `bulk login`); also BULK_PROFILE')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'bulk;jobs;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List jobs, newest first (the default)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one job')
            [CompletionResult]::new('wait', 'wait', [CompletionResultType]::ParameterValue, 'Wait for a job to finish; exit code as for an import (0, 4, 5, 7)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'bulk;jobs;help;list' {
            break
        }
        'bulk;jobs;help;show' {
            break
        }
        'bulk;jobs;help;wait' {
            break
        }
        'bulk;jobs;help;help' {
            break
        }
        'bulk;errors' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write it; `-` or nothing means stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write it; `-` or nothing means stdout')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (see `bulk login`); also BULK_PROFILE')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'Retries of one request on connection errors, 429 and 5xx before giving up')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'With a `wxcc` profile: most requests a minute to the Configuration API (default 300, Cisco''s published limit per client). Applies to the engine this command starts')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'With a `wxcc` profile: items per bulk call (default 50; Cisco publishes no limit, so this default is unverified on a real tenant: try a test tenant first)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace the output file if it exists (without it, an existing file is never overwritten)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'bulk;validate' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Object type of the files; detected from the file name or header when absent')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Object type of the files; detected from the file name or header when absent')
            [CompletionResult]::new('--encoding', '--encoding', [CompletionResultType]::ParameterName, 'Text encoding of the input (e.g. windows-1252, iso-8859-1); UTF-8 and UTF-16 with a BOM are recognised without it')
            [CompletionResult]::new('--delimiter', '--delimiter', [CompletionResultType]::ParameterName, 'Field separator of the input, e.g. '';'' or ''\t'' (as Excel writes in many locales)')
            [CompletionResult]::new('--errors-out', '--errors-out', [CompletionResultType]::ParameterName, 'Write the invalid rows with their errors to this CSV (with several inputs: a directory, one `<name>.errors.csv` per input)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'bulk;template' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write the template; `-` or nothing means stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write the template; `-` or nothing means stdout')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (see `bulk login`); also BULK_PROFILE')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'Retries of one request on connection errors, 429 and 5xx before giving up')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'With a `wxcc` profile: most requests a minute to the Configuration API (default 300, Cisco''s published limit per client). Applies to the engine this command starts')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'With a `wxcc` profile: items per bulk call (default 50; Cisco publishes no limit, so this default is unverified on a real tenant: try a test tenant first)')
            [CompletionResult]::new('--example', '--example', [CompletionResultType]::ParameterName, 'Add one valid example row after the header')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace the output file if it exists (without it, an existing file is never overwritten)')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List the object types instead')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Use the schema built into bulk, without asking the service')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'bulk;split' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Object type of the files; detected from the file name or header when absent')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Object type of the files; detected from the file name or header when absent')
            [CompletionResult]::new('--encoding', '--encoding', [CompletionResultType]::ParameterName, 'Text encoding of the input (e.g. windows-1252, iso-8859-1); UTF-8 and UTF-16 with a BOM are recognised without it')
            [CompletionResult]::new('--delimiter', '--delimiter', [CompletionResultType]::ParameterName, 'Field separator of the input, e.g. '';'' or ''\t'' (as Excel writes in many locales)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Directory for the chunks (created if missing; default: `<name>.chunks` beside the input)')
            [CompletionResult]::new('--max-rows', '--max-rows', [CompletionResultType]::ParameterName, 'Most data rows in one chunk (default: the service''s limit, 5000)')
            [CompletionResult]::new('--max-bytes', '--max-bytes', [CompletionResultType]::ParameterName, 'Most bytes in one chunk, header included: 5MB = 5,000,000 bytes; KiB/MiB also work (default: 5MB for CSV, 50MB for audio)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (chunks, rows, bytes, line ranges) and write nothing')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Write into a --out directory that already holds other files')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'bulk;login' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile name (default: "default"); also BULK_PROFILE. "sandbox" is reserved for the local sandbox')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the bulk-operations API (https://, or http:// to loopback only)')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Organisation id, for display and checks (with --wxcc: the bare UUID; without it, the token''s organisation, from /v1/people/me)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The organisation''s Webex region: its Configuration API is https://api.wxcc-REGION.cisco.com')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'The Configuration API base instead of a region''s (https://, or http:// to loopback)')
            [CompletionResult]::new('--webex-api', '--webex-api', [CompletionResultType]::ParameterName, 'The Webex API base asked who the token belongs to (default https://webexapis.com)')
            [CompletionResult]::new('--credentials-file', '--credentials-file', [CompletionResultType]::ParameterName, 'OAuth credentials as JSON ({access_token, refresh_token, client_id, client_secret, expires_in or expires_at, token_url}); `-` reads standard input. bulk refreshes the access token and stores each new pair')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'The OAuth client (integration) id, for --web and --device')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'A file holding the integration''s client secret (else it is asked on the terminal)')
            [CompletionResult]::new('--auth-url', '--auth-url', [CompletionResultType]::ParameterName, 'The authorization server''s base: BASE/v1/authorize, BASE/v1/device/authorize, BASE/v1/device/token and BASE/v1/access_token (default https://webexapis.com)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'The scopes to ask for, space-separated')
            [CompletionResult]::new('--redirect-port', '--redirect-port', [CompletionResultType]::ParameterName, 'The loopback port of --web''s redirect URI (0 picks a free one)')
            [CompletionResult]::new('--token-stdin', '--token-stdin', [CompletionResultType]::ParameterName, 'Read the token from standard input (with --wxcc, a JSON object is read as by --credentials-file)')
            [CompletionResult]::new('--wxcc', '--wxcc', [CompletionResultType]::ParameterName, 'A Webex Contact Center organisation: bulk runs the jobs itself and calls Cisco''s Configuration API. Never made the default without --default')
            [CompletionResult]::new('--web', '--web', [CompletionResultType]::ParameterName, 'Log in with a browser: OAuth authorization code with PKCE, redirected to http://127.0.0.1:PORT/callback (register that URI in the integration)')
            [CompletionResult]::new('--device', '--device', [CompletionResultType]::ParameterName, 'Log in without a browser here: prints a URL and a code to enter on any device, and waits')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Show the current target and who you are, without the token')
            [CompletionResult]::new('--logout', '--logout', [CompletionResultType]::ParameterName, 'Forget the profile (without --profile: the default one) and its token')
            [CompletionResult]::new('--default', '--default', [CompletionResultType]::ParameterName, 'Make this profile the default (the first bulk profile saved is the default anyway; a wxcc profile only with this flag)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'bulk;sandbox' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the sandbox API until Ctrl-C or SIGTERM')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the sandbox admin token on stdout (or create another organisation and print its token)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'bulk;sandbox;serve' {
            [CompletionResult]::new('--addr', '--addr', [CompletionResultType]::ParameterName, 'Address to listen on; port 0 picks a free port')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory (default: the platform''s local data directory, `.../bulk/sandbox`)')
            [CompletionResult]::new('--row-delay-ms', '--row-delay-ms', [CompletionResultType]::ParameterName, 'Pause this long per processed row, to watch progress')
            [CompletionResult]::new('--max-rows', '--max-rows', [CompletionResultType]::ParameterName, 'Most data rows in one CSV (default 5000)')
            [CompletionResult]::new('--max-bytes', '--max-bytes', [CompletionResultType]::ParameterName, 'Largest CSV accepted (default 5MB)')
            [CompletionResult]::new('--fault-500', '--fault-500', [CompletionResultType]::ParameterName, 'Fraction of /v1 and /organization requests answered 500 (0.0 to 1.0)')
            [CompletionResult]::new('--fault-429', '--fault-429', [CompletionResultType]::ParameterName, 'Fraction of /v1 and /organization requests answered 429 with Retry-After: 1')
            [CompletionResult]::new('--fault-reset', '--fault-reset', [CompletionResultType]::ParameterName, 'Fraction of /v1 requests whose connection is dropped without an answer (after the work)')
            [CompletionResult]::new('--fault-slow', '--fault-slow', [CompletionResultType]::ParameterName, 'Fraction of /v1 requests delayed by --fault-slow-ms')
            [CompletionResult]::new('--fault-slow-ms', '--fault-slow-ms', [CompletionResultType]::ParameterName, 'Delay of a slow request')
            [CompletionResult]::new('--fault-lost-write', '--fault-lost-write', [CompletionResultType]::ParameterName, 'Fraction of writes to /organization (the Configuration-API face) whose answer is lost after the write committed (the connection drops)')
            [CompletionResult]::new('--fault-fail-job', '--fault-fail-job', [CompletionResultType]::ParameterName, 'Fraction of import jobs that end as failed, with a reason, before processing any row')
            [CompletionResult]::new('--fault-seed', '--fault-seed', [CompletionResultType]::ParameterName, 'Seed of the fault dice, to repeat a run')
            [CompletionResult]::new('--token-lifetime-requests', '--token-lifetime-requests', [CompletionResultType]::ParameterName, 'Access tokens of the fake Webex authorization server (/v1/access_token) expire after serving this many requests (401), so that clients refresh; default: after an hour')
            [CompletionResult]::new('--allow-remote', '--allow-remote', [CompletionResultType]::ParameterName, 'Allow listening on an address other than loopback (the sandbox has no TLS)')
            [CompletionResult]::new('--print-url', '--print-url', [CompletionResultType]::ParameterName, 'Also print the URL alone on stdout once listening')
            [CompletionResult]::new('--strict-bulk-updates', '--strict-bulk-updates', [CompletionResultType]::ParameterName, 'Bulk SAVE items that carry an id fail with 400 "New configuration cannot have an id" for the types a live probe reported (site, team, skill, ...): update with PUT instead')
            [CompletionResult]::new('--strict-people', '--strict-people', [CompletionResultType]::ParameterName, 'Refuse to create people (POST /v1/people answers 403): a user row naming a missing person fails, as on a real tenant')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'bulk;sandbox;token' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory (default: as for `bulk sandbox serve`)')
            [CompletionResult]::new('--new-org', '--new-org', [CompletionResultType]::ParameterName, 'Create a new organisation with this name and print its admin''s token')
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'Email of the new organisation''s admin user')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout and nothing else there')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors on stderr (no progress, no summaries)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'bulk;sandbox;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the sandbox API until Ctrl-C or SIGTERM')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the sandbox admin token on stdout (or create another organisation and print its token)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'bulk;sandbox;help;serve' {
            break
        }
        'bulk;sandbox;help;token' {
            break
        }
        'bulk;sandbox;help;help' {
            break
        }
        'bulk;help' {
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import CSV files (or audio) into the service: validate, split, submit, wait, report')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export every object of a type from the service into a CSV (or a ZIP of CSVs)')
            [CompletionResult]::new('jobs', 'jobs', [CompletionResultType]::ParameterValue, 'Bulk jobs: the dashboard (list), one job (show), or wait for one to finish')
            [CompletionResult]::new('errors', 'errors', [CompletionResultType]::ParameterValue, 'Download a job''s error CSV (the failed rows plus an Error Message column)')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check CSV files offline, against the schema of their object type, and report every problem')
            [CompletionResult]::new('template', 'template', [CompletionResultType]::ParameterValue, 'Write the CSV template of an object type: its header row, and with --example a valid row')
            [CompletionResult]::new('split', 'split', [CompletionResultType]::ParameterValue, 'Cut a CSV (or a set of WAV files) into chunks the service accepts')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Save a profile (a service, or a Webex Contact Center organisation) and its token, or show the target')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'Run a local sandbox of the bulk-operations service, for trying imports without a tenant')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'bulk;help;import' {
            break
        }
        'bulk;help;export' {
            break
        }
        'bulk;help;jobs' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List jobs, newest first (the default)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one job')
            [CompletionResult]::new('wait', 'wait', [CompletionResultType]::ParameterValue, 'Wait for a job to finish; exit code as for an import (0, 4, 5, 7)')
            break
        }
        'bulk;help;jobs;list' {
            break
        }
        'bulk;help;jobs;show' {
            break
        }
        'bulk;help;jobs;wait' {
            break
        }
        'bulk;help;errors' {
            break
        }
        'bulk;help;validate' {
            break
        }
        'bulk;help;template' {
            break
        }
        'bulk;help;split' {
            break
        }
        'bulk;help;login' {
            break
        }
        'bulk;help;sandbox' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the sandbox API until Ctrl-C or SIGTERM')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the sandbox admin token on stdout (or create another organisation and print its token)')
            break
        }
        'bulk;help;sandbox;serve' {
            break
        }
        'bulk;help;sandbox;token' {
            break
        }
        'bulk;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
