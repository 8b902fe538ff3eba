//! The `hosts:` line of /etc/nsswitch.conf: the sources getaddrinfo asks, in order, and what
//! each status makes it do next (`[NOTFOUND=return]`). Pure functions over text.
use serde::Serialize;

/// glibc's hosts line when nsswitch.conf has none (nss/nss_database.c).
pub const GLIBC_DEFAULT: &str = "dns [!UNAVAIL=return] files";

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
}

/// The hosts line: its line number in the file, or `None` when glibc's default applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosts {
    pub line: Option<usize>,
    pub sources: Vec<Source>,
}

/// What one source found, as nsswitch.conf names the statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    NotFound,
    Unavail,
    TryAgain,
}

impl Status {
    fn token(self) -> &'static str {
        match self {
            Status::Success => "SUCCESS",
            Status::NotFound => "NOTFOUND",
            Status::Unavail => "UNAVAIL",
            Status::TryAgain => "TRYAGAIN",
        }
    }
}

impl Source {
    /// Whether the lookup ends after this source found `status`: SUCCESS returns and the
    /// rest continue, unless an action item says otherwise (`[NOTFOUND=return]`,
    /// `[!UNAVAIL=return]`).
    pub fn returns_on(&self, status: Status) -> bool {
        let mut ret = status == Status::Success;
        let Some(a) = &self.actions else { return ret };
        for item in a
            .split(['[', ']'])
            .flat_map(|s| s.split_whitespace())
            .filter(|s| !s.is_empty())
        {
            let Some((st, action)) = item.split_once('=') else {
                continue;
            };
            let (neg, st) = match st.strip_prefix('!') {
                Some(s) => (true, s),
                None => (false, st),
            };
            let matches = st.eq_ignore_ascii_case(status.token()) != neg;
            if matches {
                ret = action.eq_ignore_ascii_case("return");
            }
        }
        ret
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

/// The `hosts:` line of nsswitch.conf's text; glibc's default when the file or the line is
/// missing. A line may be continued with a backslash; `#` starts a comment.
pub fn parse(text: Option<&str>) -> Hosts {
    let mut found: Option<(usize, String)> = None;
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.unwrap_or("").lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("");
        let (start, mut acc) = pending.take().unwrap_or((i + 1, String::new()));
        let (body, cont) = match line.trim_end().strip_suffix('\\') {
            Some(b) => (b, true),
            None => (line, false),
        };
        acc.push_str(body);
        acc.push(' ');
        if cont {
            pending = Some((start, acc));
            continue;
        }
        if let Some((db, rest)) = acc.split_once(':') {
            if db.trim() == "hosts" && found.is_none() {
                found = Some((start, rest.to_string()));
            }
        }
    }
    let (line, spec) = match found {
        Some((l, s)) => (Some(l), s),
        None => (None, GLIBC_DEFAULT.to_string()),
    };
    Hosts {
        line,
        sources: sources(&spec),
    }
}

fn sources(spec: &str) -> Vec<Source> {
    let mut out: Vec<Source> = Vec::new();
    let mut rest = spec.trim();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').map(|e| e + 1).unwrap_or(after.len());
            let inner = after[..end].trim_end_matches(']').trim();
            let mut inner = inner.to_string();
            while inner.contains(" =") || inner.contains("= ") {
                inner = inner.replace(" =", "=").replace("= ", "=");
            }
            let item = format!("[{inner}]");
            if let Some(last) = out.last_mut() {
                last.actions = Some(match last.actions.take() {
                    Some(a) => format!("{a} {item}"),
                    None => item,
                });
            }
            rest = after[end.min(after.len())..].trim_start();
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '[')
                .unwrap_or(rest.len());
            let name = rest[..end].to_string();
            let (about, followed) = about(&name);
            out.push(Source {
                name,
                actions: None,
                followed,
                about,
            });
            rest = rest[end..].trim_start();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(h: &Hosts) -> Vec<&str> {
        h.sources.iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn a_real_world_line_with_actions() {
        let h = parse(Some(
            "# /etc/nsswitch.conf\npasswd: files\n\
             hosts:          files mdns4_minimal [NOTFOUND=return] dns myhostname\n\
             networks: files\n",
        ));
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
    }

    #[test]
    fn default_negation_and_continuation() {
        let h = parse(None);
        assert_eq!(h.line, None);
        assert_eq!(names(&h), vec!["dns", "files"]);
        // [!UNAVAIL=return]: everything but UNAVAIL returns
        assert!(h.sources[0].returns_on(Status::NotFound));
        assert!(!h.sources[0].returns_on(Status::Unavail));
        let h = parse(Some(
            "hosts: files \\\n   resolve [ !UNAVAIL=return ] dns\n",
        ));
        assert_eq!(h.line, Some(1));
        assert_eq!(names(&h), vec!["files", "resolve", "dns"]);
        assert_eq!(h.sources[1].actions.as_deref(), Some("[!UNAVAIL=return]"));
        let h = parse(Some("passwd: files\n"));
        assert_eq!(names(&h), vec!["dns", "files"]);
    }
}
