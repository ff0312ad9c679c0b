"""Checks that parsing a Disqus export keeps memory flat: the peak RSS of a parse of
200,000 generated posts may exceed that of 20,000 by at most SLACK_KB, and stays
under LIMIT_KB (the issue's 64 MB). The export streams from the generator through a
pipe, so neither file is ever written. Usage: flat_memory.py PARSE_STAT GEN_DISQUS"""
import subprocess
import sys

SLACK_KB = 4 * 1024
LIMIT_KB = 64 * 1024


def parse(stat, gen, posts):
    g = subprocess.Popen([sys.executable, gen, "--posts", str(posts)], stdout=subprocess.PIPE)
    out = subprocess.run([stat, "disqus", "-"], stdin=g.stdout, capture_output=True, text=True)
    g.stdout.close()
    if g.wait() != 0 or out.returncode != 0:
        sys.exit(f"parse of {posts} posts failed: {out.stderr.strip()}")
    fields = dict(w.split("=", 1) for w in out.stdout.split())
    if int(fields["posts"]) != posts:
        sys.exit(f"{posts} posts generated, {fields['posts']} parsed")
    print(f"{posts} posts: {out.stdout.strip()}")
    return int(fields["peak_rss_kb"])


def main():
    stat, gen = sys.argv[1], sys.argv[2]
    small = parse(stat, gen, 20000)
    big = parse(stat, gen, 200000)
    if big > small + SLACK_KB:
        sys.exit(f"peak RSS grew with the file: {small} kB for 20,000 posts, {big} kB for 200,000")
    if big > LIMIT_KB:
        sys.exit(f"peak RSS {big} kB is over {LIMIT_KB} kB")


main()
