"""Reject answers that would bake a broken project, before a single file is written.

Cookiecutter renders this file with the answers, runs it, and removes the half-made project
folder when it exits non-zero. Every problem is reported on its own line, so all of them can be
fixed at once.
"""

import keyword
import re
import sys
import unicodedata

ANSWERS = {
    "project_name": {{cookiecutter.project_name | quoted}},  # noqa: E501
    "project_slug": {{cookiecutter.project_slug | quoted}},  # noqa: E501
    "package_name": {{cookiecutter.package_name | quoted}},  # noqa: E501
    "description": {{cookiecutter.description | quoted}},  # noqa: E501
    "author_name": {{cookiecutter.author_name | quoted}},  # noqa: E501
    "author_email": {{cookiecutter.author_email | quoted}},  # noqa: E501
    "github_owner": {{cookiecutter.github_owner | quoted}},  # noqa: E501
    "python_version": {{cookiecutter.python_version | quoted}},  # noqa: E501
    "license": {{cookiecutter.license | quoted}},  # noqa: E501
    "reproduce_on": {{cookiecutter.reproduce_on | quoted}},  # noqa: E501
    "dvc_remote": {{cookiecutter.dvc_remote | quoted}},  # noqa: E501
}

PYTHON_VERSIONS = ("3.11", "3.12", "3.13")
MAX_PACKAGE_LENGTH = 40
LICENSES = ("MIT", "BSD-3-Clause", "Apache-2.0", "Proprietary")
REPRODUCE_ON = ("every-os", "linux")
# Import names of the project's own dependencies and folders: a package with one of these names
# would shadow it.
TAKEN_NAMES = frozenset(
    "docs dvc great_expectations hypothesis numpy pandas pydantic pytest scipy skops sklearn "
    "tests threadpoolctl yaml".split()
)
SLUG = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
PACKAGE = re.compile(r"[a-z_][a-z0-9_]*")
OWNER = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
# Control characters, surrogates, unassigned code points and line/paragraph separators cannot be
# written into single-line TOML, YAML and Python strings.
FORBIDDEN_CATEGORIES = {"Cc", "Cs", "Cn", "Zl", "Zp"}
# DVC remotes whose storage plugin the project offers as a Poetry group; anything without a scheme
# is a folder (local disk or NFS). Credentials never go in the URL: it is committed in .dvc/config.
REMOTE_SCHEMES = ("s3", "gs", "azure", "ssh")
REMOTE_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
REMOTE_SECRETS = re.compile(
    r"[?&;](?:[\w-]*(?:key|secret|token|password|signature|sig|credential)[\w-]*)=", re.IGNORECASE
)


def text_problems(key, value, required=True):
    """Problems with a free-text answer that ends up inside quoted strings."""
    if required and not value.strip():
        yield f"{key} must not be empty"
    bad = sorted(
        {f"U+{ord(c):04X}" for c in value if unicodedata.category(c) in FORBIDDEN_CATEGORIES}
    )
    if bad:
        yield f"{key} contains control or unprintable characters ({', '.join(bad)})"


def remote_problems(url):
    """Problems with the default DVC remote (empty: no remote)."""
    if not url:
        return
    if any(
        c.isspace() or c in "\"'\\" or unicodedata.category(c) in FORBIDDEN_CATEGORIES for c in url
    ):
        yield (
            f"dvc_remote {url!r} contains spaces, quotes, backslashes or control characters; "
            "give a plain URL or a folder path written with '/'"
        )
        return
    scheme = REMOTE_SCHEME.match(url)
    if scheme is None:
        if ":" in url.split("/")[0] and not re.fullmatch(r"[A-Za-z]:", url.split("/")[0]):
            yield (
                f"dvc_remote {url!r} is not a URL DVC can use here: write scp-like "
                "'host:path' as ssh://host/path"
            )
        return
    name = scheme.group(1).lower()
    if name not in REMOTE_SCHEMES:
        yield (
            f"dvc_remote {url!r} uses the unsupported scheme '{name}://' (choose "
            f"{', '.join(s + '://' for s in REMOTE_SCHEMES)} or a folder path)"
        )
        return
    netloc = url[scheme.end() :].split("/")[0]
    if not netloc:
        yield f"dvc_remote {url!r} names no bucket, container or host after '{name}://'"
    if ":" in netloc.rpartition("@")[0] or ("@" in netloc and name != "ssh"):
        yield (
            f"dvc_remote {url!r} carries credentials; put them in .dvc/config.local "
            "(dvc remote modify --local), never in the committed URL"
        )
    elif REMOTE_SECRETS.search(url):
        yield (
            f"dvc_remote {url!r} carries credentials in its query; put them in "
            ".dvc/config.local (dvc remote modify --local), never in the committed URL"
        )


def problems(answers):
    """Yield one message per invalid answer."""
    yield from text_problems("project_name", answers["project_name"])
    yield from text_problems("description", answers["description"], required=False)
    yield from text_problems("author_name", answers["author_name"])

    slug = answers["project_slug"]
    if not SLUG.fullmatch(slug):
        yield (
            f"project_slug {slug!r} is not a valid distribution and folder name: use letters, "
            "digits, '-', '_' or '.', starting and ending with a letter or digit"
        )

    package = answers["package_name"]
    if len(package) > MAX_PACKAGE_LENGTH:
        yield (
            f"package_name {package!r} is longer than {MAX_PACKAGE_LENGTH} characters "
            "(generated code keeps imports within 100 columns)"
        )
    elif not PACKAGE.fullmatch(package):
        yield (
            f"package_name {package!r} is not a lowercase Python identifier "
            "(letters a-z, digits and '_', not starting with a digit)"
        )
    elif keyword.iskeyword(package) or keyword.issoftkeyword(package):
        yield f"package_name {package!r} is a Python keyword"
    elif package in sys.stdlib_module_names:
        yield f"package_name {package!r} would shadow the standard-library module of the same name"
    elif package in TAKEN_NAMES:
        yield f"package_name {package!r} would shadow a dependency or folder of the project"

    email = answers["author_email"]
    if not EMAIL.fullmatch(email):
        yield f"author_email {email!r} is not an e-mail address (expected one '@' and no spaces)"

    owner = answers["github_owner"]
    if not OWNER.fullmatch(owner):
        yield (
            f"github_owner {owner!r} is not a GitHub user or organisation name "
            "(letters, digits and single '-', at most 39 characters)"
        )

    if answers["python_version"] not in PYTHON_VERSIONS:
        yield (
            f"python_version {answers['python_version']!r} is not supported "
            f"(choose one of {', '.join(PYTHON_VERSIONS)})"
        )
    if answers["license"] not in LICENSES:
        yield f"license {answers['license']!r} is not offered (choose one of {', '.join(LICENSES)})"
    if answers["reproduce_on"] not in REPRODUCE_ON:
        yield (
            f"reproduce_on {answers['reproduce_on']!r} is not offered "
            f"(choose one of {', '.join(REPRODUCE_ON)})"
        )
    yield from remote_problems(answers["dvc_remote"])


def main():
    """Print every problem and exit non-zero if there is any."""
    found = list(problems(ANSWERS))
    for message in found:
        print(f"error: {message}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
