#!/usr/bin/env python3
"""Writes the command pages of the guide's reference (docs/book/src/reference/commands/*.md)
from `annex <command> --help`: what the command does, its usage line, its exit codes, and
where the guide explains it (the links below). scripts/book-check.sh fails when a page's
usage line is not the binary's: run this again after changing a command's flags.

    python3 scripts/book-commands.py [ANNEX_BINARY]      # default: target/debug/annex
"""
import os, subprocess, sys
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
A = sys.argv[1] if len(sys.argv) > 1 else 'target/debug/annex'
B = 'docs/book/src/reference/commands/'

guide={
 'render':[('Tutorial','../../tutorial.md'),('The three documents','../../how-to/documents.md'),('Tailoring to the subscription','../../how-to/tailoring.md')],
 'batch':[('Batches and many machines','../../how-to/batch.md')],
 'import':[('Importing a provider page','../../how-to/import.md'),('The matrix','../matrix.md')],
 'context':[('Templates','../../how-to/templates.md')],
 'templates':[('Templates','../../how-to/templates.md')],
 'check':[('Checking a matrix','../../how-to/check.md'),('Rules','../rules.md'),('Policy files','../policy.md'),('JSON report','../check-json.md')],
 'sign':[('Signing and verifying','../../how-to/sign.md'),('Keys','../../how-to/keys.md')],
 'verify':[('Signing and verifying','../../how-to/sign.md'),('Evidence packs','../../how-to/evidence.md')],
 'ltv':[('Signing and verifying','../../how-to/sign.md')],
 'timestamp':[('Signing and verifying','../../how-to/sign.md')],
 'diff':[('Change notices','../../how-to/changes.md'),('JSON change list','../diff-json.md')],
 'export':[('OSCAL export','../../how-to/oscal.md')],
 'pack':[('Evidence packs','../../how-to/evidence.md'),('Keys','../../how-to/keys.md')],
 'serve':[('Serving over HTTP','../../how-to/serve.md')],
 'init':[('Writing a profile','../../how-to/profile.md'),('The profile','../profile.md')],
 'catalogue':[('The catalogue','../catalogue.md'),('Writing a profile','../../how-to/profile.md')],
 'schema':[('Writing a profile','../../how-to/profile.md'),('File formats','../profile.md')],
 'completions':[('Commands','../commands.md')],
 'manpages':[('Commands','../commands.md')],
 'register':[('The annex register','../../how-to/register.md')],
}
for c,links in guide.items():
    h=subprocess.run([A,c,'--help'],capture_output=True,text=True,env=dict(os.environ, COLUMNS='1000')).stdout
    lines=h.split('\n')
    i=next(k for k,l in enumerate(lines) if l.startswith('Usage:'))
    about=' '.join(l.strip() for l in lines[:i] if l.strip())
    usage=lines[i]
    exitl=[l for l in h.split('\n\n') if l.startswith('Exit codes')]
    about=about if about.endswith('.') else about+'.'
    out=[f'# annex {c}','',about,'','```text',usage,'```','']
    if exitl:
        out+=[' '.join(x.strip() for x in exitl[0].split('\n')).rstrip()+' See [Exit codes](../exit-codes.md).','']
    out+=[f'Every option and example: `annex {c} --help`, or `man annex-{c}` once the man pages are installed (`annex manpages DIR`).','']
    out+=['In the guide: '+', '.join(f'[{t}]({u})' for t,u in links)+'.','']
    open(B+c+'.md','w').write('\n'.join(out))
    print('wrote', B + c + '.md')
