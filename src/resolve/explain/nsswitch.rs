//! The `hosts:` line of /etc/nsswitch.conf: the sources getaddrinfo asks, in order, and what
//! each status makes it do next (`[NOTFOUND=return]`), read as glibc's nss_database.c and
//! nss_action_parse.c read it. Pure functions over text.
use serde::Serialize;

/// Upstream glibc's hosts line when nsswitch.conf has none (nss/nss_database.c).
pub const GLIBC_DEFAULT: &str = "dns [!UNAVAIL=return] files";
/// Debian's and Ubuntu's glibc build theirs with this one instead.
pub const DEBIAN_DEFAULT: &str = "files dns";

/// One source of the hosts line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub name: String,
    /// Its action items as written (`[NOTFOUND=return]`), if any.
    pub actions: Option<String>,
    /// Whether sockdiag can follow it (files, dns) or only name it.
    pub followed: bool,
    /// What the source is.
    pub about: &'static str,
    /// What each status makes glibc do next: SUCCESS, NOTFOUND, UNAVAIL, TRYAGAIN.
    #[serde(skip)]
    pub next: [Action; 4],
}

/// What glibc does after a source returned a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Return,
    Continue,
    /// Not supported for hosts: getaddrinfo fails when it comes to one.
    Merge,
}

/// The hosts line: its line number in the file, or `None` when glibc's default applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosts {
    pub line: Option<usize>,
    pub sources: Vec<Source>,
    /// A line glibc cannot parse: it then fails every lookup (nsswitch.conf is not loaded).
    pub error: Option<String>,
}

/// What one source found, as nsswitch.conf names the statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Success,
    NotFound,
    Unavail,
    TryAgain,
}

impl Status {
    pub fn token(self) -> &'static str {
        match self {
            Status::Success => "SUCCESS",
            Status::NotFound => "NOTFOUND",
            Status::Unavail => "UNAVAIL",
            Status::TryAgain => "TRYAGAIN",
        }
    }
    fn index(self) -> usize {
        self as usize
    }
    fn parse(s: &str) -> Option<Status> {
        [
            Status::Success,
            Status::NotFound,
            Status::Unavail,
            Status::TryAgain,
        ]
        .into_iter()
        .find(|st| st.token().eq_ignore_ascii_case(s))
    }
}

impl Source {
    /// What glibc does after this source found `status`.
    pub fn action(&self, status: Status) -> Action {
        self.next[status.index()]
    }

    /// Whether the lookup ends after this source found `status`.
    pub fn returns_on(&self, status: Status) -> bool {
        self.action(status) == Action::Return
    }
}

fn about(name: &str) -> (&'static str, bool) {
    match name {
        "files" => ("/etc/hosts", true),
        "dns" => ("the nameservers of /etc/resolv.conf", true),
        "myhostname" => (
            "this host's own name, localhost and _gateway (systemd)",
            false,
        ),
        "resolve" => ("systemd-resolved over its socket", false),
        "mymachines" => ("local containers (systemd-machined)", false),
        n if n.starts_with("mdns") => ("multicast DNS (.local names, Avahi)", false),
        "wins" => ("NetBIOS names (Samba)", false),
        "nis" | "nisplus" => ("NIS maps", false),
        "ldap" => ("an LDAP directory", false),
        "sss" => ("SSSD", false),
        "libvirt" | "libvirt_guest" => ("libvirt guests", false),
        _ => ("a module sockdiag does not know", false),
    }
}

/// The databases glibc knows (nss/databases.def): a line for one of them that glibc cannot
/// parse makes it ignore the whole file.
const DATABASES: &[&str] = &[
    "aliases",
    "ethers",
    "group",
    "group_compat",
    "gshadow",
    "hosts",
    "initgroups",
    "netgroup",
    "networks",
    "passwd",
    "passwd_compat",
    "protocols",
    "publickey",
    "rpc",
    "services",
    "shadow",
    "shadow_compat",
];

/// The `hosts:` line of nsswitch.conf's text, with this system's default line when the file
/// or the line is missing ([`libc_default`]).
pub fn parse(text: Option<&str>) -> Hosts {
    parse_with_default(text, libc_default())
}

/// The `hosts:` line as glibc reads it: leading blanks skipped, the database name up to a
/// blank or `:` (case counts), the last `hosts` line wins; no comments inside a line and no
/// continuation lines (a `#` word is a module glibc will not find).
pub fn parse_with_default(text: Option<&str>, default: &str) -> Hosts {
    let mut found: Option<(usize, String)> = None;
    let mut error = None;
    for (i, raw) in text.unwrap_or("").lines().enumerate() {
        let line = raw.trim_start();
        let end = line
            .find(|c: char| c.is_whitespace() || c == ':')
            .unwrap_or(line.len());
        if end == 0 || end == line.len() {
            continue;
        }
        let (db, rest) = line.split_at(end);
        let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ':');
        if !DATABASES.contains(&db) {
            continue;
        }
        if let Err(e) = sources(rest) {
            error.get_or_insert(format!(
                "line {}: {e}: glibc cannot parse nsswitch.conf and fails every lookup",
                i + 1
            ));
        }
        if db == "hosts" {
            found = Some((i + 1, rest.to_string()));
        }
    }
    let (line, spec) = match found {
        Some((l, s)) => (Some(l), s),
        None => (None, default.to_string()),
    };
    Hosts {
        line,
        sources: sources(&spec).unwrap_or_default(),
        error,
    }
}

/// The sources of a line and their action items, or what glibc cannot parse in it.
fn sources(spec: &str) -> Result<Vec<Source>, String> {
    let mut out: Vec<Source> = Vec::new();
    let mut rest = spec.trim_start();
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '[')
            .unwrap_or(rest.len());
        if end == 0 {
            return Err(format!("'{}' has no source before it", rest.trim_end()));
        }
        let name = rest[..end].to_string();
        let (about, followed) = about(&name);
        // SUCCESS returns, the rest continue, unless an action item says otherwise.
        let mut src = Source {
            name,
            actions: None,
            followed,
            about,
            next: [
                Action::Return,
                Action::Continue,
                Action::Continue,
                Action::Continue,
            ],
        };
        rest = rest[end..].trim_start();
        if let Some(after) = rest.strip_prefix('[') {
            let close = after
                .find(']')
                .ok_or_else(|| format!("'[{}' is not closed", after.trim_end()))?;
            let inner = &after[..close];
            let mut items = Vec::new();
            let mut it = inner.trim();
            while !it.is_empty() {
                let (neg, body) = match it.strip_prefix('!') {
                    Some(b) => (true, b),
                    None => (false, it),
                };
                let e = body
                    .find(|c: char| c.is_whitespace() || c == '=')
                    .unwrap_or(body.len());
                let st = Status::parse(&body[..e])
                    .ok_or_else(|| format!("'{}' is not a status", &body[..e]))?;
                let after_st = body[e..].trim_start();
                let after_eq = after_st
                    .strip_prefix('=')
                    .ok_or_else(|| format!("no '=' after {}", st.token()))?
                    .trim_start();
                let e = after_eq
                    .find(|c: char| c.is_whitespace() || c == '=')
                    .unwrap_or(after_eq.len());
                let act = match after_eq[..e].to_ascii_lowercase().as_str() {
                    "return" => Action::Return,
                    "continue" => Action::Continue,
                    "merge" => Action::Merge,
                    other => return Err(format!("'{other}' is not an action")),
                };
                if neg {
                    let keep = src.next[st.index()];
                    src.next = [act; 4];
                    src.next[st.index()] = keep;
                } else {
                    src.next[st.index()] = act;
                }
                items.push(format!(
                    "{}{}={}",
                    if neg { "!" } else { "" },
                    st.token(),
                    after_eq[..e].to_ascii_lowercase()
                ));
                it = after_eq[e..].trim_start();
            }
            src.actions = Some(format!("[{}]", items.join(" ")));
            rest = after[close + 1..].trim_start();
        }
        out.push(src);
    }
    Ok(out)
}

/// The hosts line this system's glibc uses when nsswitch.conf has none: upstream's, unless the
/// C library in this process was built with Debian's (its text is in the library's data).
pub fn libc_default() -> &'static str {
    static DEFAULT: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
    DEFAULT.get_or_init(|| {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
        let path = maps
            .lines()
            .filter_map(|l| l.split_whitespace().nth(5))
            .find(|p| {
                p.rsplit('/')
                    .next()
                    .is_some_and(|f| f.starts_with("libc.so") || f.starts_with("libc-"))
            })
            .map(str::to_string);
        path.and_then(|p| std::fs::read(p).ok())
            .map_or(GLIBC_DEFAULT, |bytes| default_in_libc(&bytes))
    })
}

/// Which default hosts line a C library's bytes hold.
pub fn default_in_libc(bytes: &[u8]) -> &'static str {
    let has = |s: &str| {
        let mut needle = s.as_bytes().to_vec();
        needle.push(0);
        bytes.windows(needle.len()).any(|w| w == needle.as_slice())
    };
    if !has(GLIBC_DEFAULT) && has(DEBIAN_DEFAULT) {
        DEBIAN_DEFAULT
    } else {
        GLIBC_DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(h: &Hosts) -> Vec<&str> {
        h.sources.iter().map(|s| s.name.as_str()).collect()
    }

    fn up(text: &str) -> Hosts {
        parse_with_default(Some(text), GLIBC_DEFAULT)
    }

    #[test]
    fn a_real_world_line_with_actions() {
        let h = up("# /etc/nsswitch.conf\npasswd: files\n\
             hosts:          files mdns4_minimal [NOTFOUND=return] dns myhostname\n\
             networks: files\n");
        assert_eq!(h.line, Some(3));
        assert_eq!(
            names(&h),
            vec!["files", "mdns4_minimal", "dns", "myhostname"]
        );
        assert_eq!(h.sources[1].actions.as_deref(), Some("[NOTFOUND=return]"));
        assert!(h.sources[0].followed && h.sources[2].followed);
        assert!(!h.sources[1].followed && !h.sources[3].followed);
        assert!(h.sources[1].returns_on(Status::NotFound));
        assert!(!h.sources[1].returns_on(Status::Unavail));
        assert!(h.sources[0].returns_on(Status::Success));
        assert!(!h.sources[0].returns_on(Status::NotFound));
        assert_eq!(h.error, None);
    }

    #[test]
    fn default_negation_and_the_default_of_this_libc() {
        let h = parse_with_default(None, GLIBC_DEFAULT);
        assert_eq!(h.line, None);
        assert_eq!(names(&h), vec!["dns", "files"]);
        // [!UNAVAIL=return]: everything but UNAVAIL returns
        assert!(h.sources[0].returns_on(Status::NotFound));
        assert!(!h.sources[0].returns_on(Status::Unavail));
        let h = up("hosts: files resolve [ !UNAVAIL = return ] dns\n");
        assert_eq!(h.line, Some(1));
        assert_eq!(names(&h), vec!["files", "resolve", "dns"]);
        assert_eq!(h.sources[1].actions.as_deref(), Some("[!UNAVAIL=return]"));
        let h = parse_with_default(Some("passwd: files\n"), DEBIAN_DEFAULT);
        assert_eq!(names(&h), vec!["files", "dns"]);
        assert_eq!(
            default_in_libc(b"x\0files dns\0nis nisplus\0"),
            DEBIAN_DEFAULT
        );
        assert_eq!(
            default_in_libc(b"dns [!UNAVAIL=return] files\0files dns\0"),
            GLIBC_DEFAULT
        );
        assert_eq!(default_in_libc(b"nothing"), GLIBC_DEFAULT);
    }

    #[test]
    fn read_as_glibc_reads_it_last_line_wins_no_comments_no_continuation() {
        // the last hosts line wins
        assert_eq!(names(&up("hosts: files dns\nhosts: dns\n")), vec!["dns"]);
        // no colon is fine; the database name is case-sensitive
        assert_eq!(names(&up("hosts files\n")), vec!["files"]);
        assert_eq!(up("Hosts: files\n").line, None);
        // `#` inside a line is a module name, and a backslash does not continue a line
        assert_eq!(
            names(&up("hosts: files # dns\n")),
            vec!["files", "#", "dns"]
        );
        assert_eq!(names(&up("hosts: files \\\n dns\n")), vec!["files", "\\"]);
        // an empty line: no source at all
        assert!(up("hosts:\n").sources.is_empty());
        assert_eq!(up("hosts:\n").line, Some(1));
        // SUCCESS=continue, MERGE, case of statuses and actions
        let h = up("hosts: files [SUCCESS=continue] dns [notfound=RETURN]\n");
        assert_eq!(h.sources[0].action(Status::Success), Action::Continue);
        assert!(h.sources[1].returns_on(Status::NotFound));
        let h = up("hosts: files [SUCCESS=merge] dns\n");
        assert_eq!(h.sources[0].action(Status::Success), Action::Merge);
    }

    #[test]
    fn a_line_glibc_cannot_parse_fails_every_lookup() {
        for bad in [
            "hosts: dns [NOTFOUND=return files\n",
            "hosts: dns [NOTFOUND=bogus] files\n",
            "hosts: dns [FOUND=return] files\n",
            "passwd: files [SUCCESS]\n",
        ] {
            let h = up(bad);
            assert!(
                h.error
                    .as_deref()
                    .is_some_and(|e| e.contains("fails every lookup")),
                "{bad}: {:?}",
                h.error
            );
        }
        assert_eq!(up("sudoers: files [bogus\nhosts: files\n").error, None);
    }
}
