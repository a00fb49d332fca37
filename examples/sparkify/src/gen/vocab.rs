//! Word lists for names, titles, places and browsers. Everything here is
//! invented or generic; nothing is taken from the Sparkify sample.
//!
//! Catalogue songs (the song files) and unknown songs (plays that must match
//! nothing) draw their words from disjoint lists. Every word is one token (no
//! spaces) and every name contains at least one word of its own namespace, so
//! no unknown title or artist name can equal a catalogue one.
//! Some words need JSON escaping (quotes, backslash, `/`, non-ASCII), as real
//! data does.

use super::rng::Rng;

/// The words of one namespace.
pub(crate) struct Words {
    pub(crate) adjectives: &'static [&'static str],
    pub(crate) nouns: &'static [&'static str],
    pub(crate) first_names: &'static [&'static str],
    pub(crate) last_names: &'static [&'static str],
    pub(crate) title_words: &'static [&'static str],
}

/// Words of the song files.
pub(crate) const CATALOGUE: Words = Words {
    adjectives: &[
        "Velvet", "Crimson", "Silent", "Electric", "Golden", "Midnight", "Broken", "Wild",
        "Lonely", "Neon", "Hollow", "Burning", "Frozen", "Radiant", "Savage", "Gentle", "Rusty",
        "Cosmic", "Little", "Big", "Dirty", "Sweet", "Dark", "Bright", "Lost", "Young", "Ancient",
        "Royal", "Mighty", "Crystal", "Déjà", "Naïve", "Über", "Señor", "\"Big\"", "Mötley",
    ],
    nouns: &[
        "Harbor",
        "Echoes",
        "Wolves",
        "Rain",
        "Kings",
        "Engine",
        "Horizon",
        "Tigers",
        "Machine",
        "Orchestra",
        "Pilots",
        "Riders",
        "Saints",
        "Ghosts",
        "Brothers",
        "Sisters",
        "Parade",
        "Garden",
        "Fever",
        "Signals",
        "Rockets",
        "Lanterns",
        "Shadows",
        "Dreamers",
        "Vipers",
        "Sparrows",
        "Thunder",
        "Crew",
        "Trio",
        "Quartet",
        "Collective",
        "Ensemble",
        "Crüe",
        "Röyksopp",
        "Beyoncé",
        "Björk",
        "\\m/",
        "AC/DC",
        "東京",
        "Ελλάδα",
    ],
    first_names: &[
        "Marvin", "Aretha", "Etta", "Otis", "Nina", "Dolly", "Élodie", "José", "Zoë", "Renée",
        "Sinéad", "Antônio", "Ólafur", "Bessie", "Sam", "Mahalia", "Ray", "Patsy",
    ],
    last_names: &[
        "Gaye",
        "Franklin",
        "Redding",
        "Simone",
        "Parton",
        "O'Connor",
        "Nuñez",
        "Jobim",
        "Arnalds",
        "Müller",
        "Dvořák",
        "Sørensen",
        "Kowalczyk",
        "\"Lil\"",
        "Cooke",
        "Jackson",
    ],
    title_words: &[
        "Love",
        "Heart",
        "Night",
        "Fire",
        "Summer",
        "River",
        "Dream",
        "Song",
        "Light",
        "Road",
        "Home",
        "Time",
        "Blue",
        "Stars",
        "Rain",
        "Gold",
        "Wine",
        "Roses",
        "Train",
        "Shadow",
        "Paradise",
        "Highway",
        "Moon",
        "Sunrise",
        "Thunder",
        "Whisper",
        "Memory",
        "Desire",
        "Freedom",
        "Café",
        "Señorita",
        "Mañana",
        "Für",
        "Élan",
        "\"Hey\"",
        "\\o/",
        "24/7",
        "♥",
        "Ümlaut",
        "Ça",
    ],
};

/// Words of plays whose song is not in the song files.
pub(crate) const UNKNOWN: Words = Words {
    adjectives: &[
        "Purple", "Velour", "Static", "Magnetic", "Amber", "Scarlet", "Quiet", "Restless", "Paper",
        "Plastic", "Iron", "Glass", "Liquid", "Solar", "Lunar", "Polar", "Tropical", "Urban",
        "Hidden", "Vintage", "Modern", "Atomic", "Sonic", "Fuzzy", "Straße", "Kühl", "\"Lazy\"",
        "Łódź",
    ],
    nouns: &[
        "Lagoon",
        "Monkeys",
        "Arcade",
        "Satellites",
        "Hearts",
        "Tides",
        "Comets",
        "Mirrors",
        "Foxes",
        "Falcons",
        "Empire",
        "Circus",
        "Radio",
        "Canyon",
        "Valley",
        "Avenue",
        "Bandits",
        "Monsters",
        "Owls",
        "Bears",
        "Strings",
        "Drums",
        "Noir",
        "Ñandú",
        "Fjörd",
        "大阪",
        "Αθήνα",
        "Back\\Slash",
        "Sun/Moon",
    ],
    first_names: &[
        "Jimmy", "Lana", "Frank", "Billie", "Amy", "Janis", "Kurt", "Stevie", "Joni", "Chet",
        "Miles", "Ella", "Björn", "Inés", "Søren", "Chloé",
    ],
    last_names: &[
        "Hendrix",
        "Sinatra",
        "Holiday",
        "Winehouse",
        "Joplin",
        "Cobain",
        "Wonder",
        "Mitchell",
        "Baker",
        "Davis",
        "Fitzgerald",
        "Gonçalves",
        "O'Reilly",
        "Ibáñez",
        "Løkke",
        "\"Kid\"",
    ],
    title_words: &[
        "Hello", "Goodbye", "Morning", "Winter", "Ocean", "Sky", "Dance", "Money", "Girl", "Boy",
        "Baby", "Tonight", "Forever", "Never", "Angel", "Devil", "City", "Street", "Party", "Kiss",
        "Tears", "Smile", "Sugar", "Honey", "Corazón", "Mädchen", "Être", "Niño", "\"Yeah\"",
        "1/2", "Up\\Down", "☆",
    ],
};

impl Words {
    /// A band (`Velvet Harbor`, `The Silent Wolves`) or a person name.
    pub(crate) fn artist_name(&self, rng: &mut Rng, out: &mut String) {
        out.clear();
        match rng.below(6) {
            0 | 1 => push_words(out, &[rng.pick(self.adjectives), rng.pick(self.nouns)]),
            2 => push_words(
                out,
                &["The", rng.pick(self.adjectives), rng.pick(self.nouns)],
            ),
            3 => push_words(
                out,
                &[rng.pick(self.first_names), rng.pick(self.last_names)],
            ),
            4 => push_words(out, &[rng.pick(self.nouns)]),
            _ => push_words(
                out,
                &[
                    rng.pick(self.first_names),
                    rng.pick(self.last_names),
                    "&",
                    "The",
                    rng.pick(self.nouns),
                ],
            ),
        }
    }

    /// One to three title words, sometimes with a template around them.
    pub(crate) fn title(&self, rng: &mut Rng, out: &mut String) {
        out.clear();
        let w = self.title_words;
        match rng.below(8) {
            0 | 1 => push_words(out, &[rng.pick(w)]),
            2..=4 => push_words(out, &[rng.pick(w), rng.pick(w)]),
            5 => push_words(out, &[rng.pick(w), rng.pick(w), rng.pick(w)]),
            6 => push_words(out, &[rng.pick(w), "of", "the", rng.pick(w)]),
            _ => push_words(
                out,
                &[rng.pick(w), rng.pick(w), rng.pick(&["(Live)", "(Remix)"])],
            ),
        }
    }
}

fn push_words(out: &mut String, words: &[&str]) {
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

pub(crate) const FEMALE_NAMES: &[&str] = &[
    "Emma",
    "Olivia",
    "Ava",
    "Isabella",
    "Sophia",
    "Mia",
    "Charlotte",
    "Amelia",
    "Harper",
    "Evelyn",
    "Abigail",
    "Emily",
    "Ella",
    "Madison",
    "Scarlett",
    "Victoria",
    "Aria",
    "Grace",
    "Chloe",
    "Camila",
    "Penelope",
    "Riley",
    "Layla",
    "Lillian",
    "Nora",
    "Zoë",
    "Renée",
    "Anaïs",
    "Siobhán",
    "Mía",
    "D'Andra",
];

pub(crate) const MALE_NAMES: &[&str] = &[
    "Liam",
    "Noah",
    "William",
    "James",
    "Oliver",
    "Benjamin",
    "Elijah",
    "Lucas",
    "Mason",
    "Logan",
    "Alexander",
    "Ethan",
    "Jacob",
    "Michael",
    "Daniel",
    "Henry",
    "Jackson",
    "Sebastian",
    "Aiden",
    "Matthew",
    "Samuel",
    "David",
    "Joseph",
    "Carter",
    "Owen",
    "José",
    "Jürgen",
    "Björn",
    "François",
    "Łukasz",
];

pub(crate) const SURNAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "O'Brien",
    "Nuñez",
    "Müller",
    "Østergaard",
    "D'Angelo",
    "Kowalski",
];

/// US metro and micro areas, in the logs' "City-City, ST" style.
pub(crate) const USER_LOCATIONS: &[&str] = &[
    "New York-Newark-Jersey City, NY-NJ-PA",
    "Los Angeles-Long Beach-Anaheim, CA",
    "Chicago-Naperville-Elgin, IL-IN-WI",
    "Dallas-Fort Worth-Arlington, TX",
    "Houston-The Woodlands-Sugar Land, TX",
    "Washington-Arlington-Alexandria, DC-VA-MD-WV",
    "Miami-Fort Lauderdale-West Palm Beach, FL",
    "Philadelphia-Camden-Wilmington, PA-NJ-DE-MD",
    "Atlanta-Sandy Springs-Roswell, GA",
    "Boston-Cambridge-Newton, MA-NH",
    "Phoenix-Mesa-Scottsdale, AZ",
    "San Francisco-Oakland-Hayward, CA",
    "Seattle-Tacoma-Bellevue, WA",
    "Minneapolis-St. Paul-Bloomington, MN-WI",
    "San Diego-Carlsbad, CA",
    "Tampa-St. Petersburg-Clearwater, FL",
    "Denver-Aurora-Lakewood, CO",
    "Portland-Vancouver-Hillsboro, OR-WA",
    "Winston-Salem, NC",
    "Lansing-East Lansing, MI",
    "Duluth, MN-WI",
    "Mayagüez, PR",
    "Cañon City, CO",
    "Española, NM",
];

/// Browser strings; like the logs, those containing a comma carry literal
/// double quotes (CSV-style quoting kept in the value).
pub(crate) const USER_AGENTS: &[&str] = &[
    "\"Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/37.0.2062.103 Safari/537.36\"",
    "\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/37.0.2062.94 Safari/537.36\"",
    "\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10) AppleWebKit/600.1.25 (KHTML, like Gecko) Version/8.0 Safari/600.1.25\"",
    "\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/37.0.2062.120 Safari/537.36\"",
    "\"Mozilla/5.0 (iPhone; CPU iPhone OS 8_0 like Mac OS X) AppleWebKit/600.1.4 (KHTML, like Gecko) Version/8.0 Mobile/12A365 Safari/600.1.4\"",
    "\"Mozilla/5.0 (Windows NT 6.3; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/38.0.2125.104 Safari/537.36\"",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:32.0) Gecko/20100101 Firefox/32.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.9; rv:33.0) Gecko/20100101 Firefox/33.0",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:31.0) Gecko/20100101 Firefox/31.0",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
];

/// Artist home towns; empty strings make "unknown" as common as in the data.
pub(crate) const ARTIST_LOCATIONS: &[&str] = &[
    "Nashville, TN",
    "London, England",
    "Reykjavík, Iceland",
    "São Paulo, Brazil",
    "Montréal, Québec",
    "New York, NY",
    "Berlin, Germany",
    "Kingston, Jamaica",
    "Detroit, MI",
    "Seattle, WA",
    "Tokyo, Japan",
    "Paris, France",
    "Lagos, Nigeria",
    "Göteborg, Sweden",
    "Bogotá, Colombia",
    "Austin, TX",
    "Manchester, England",
    "Dublin, Ireland",
    "Chicago, IL",
    "Melbourne, Australia",
    "California - LA",
    "Texas - Houston",
    "Brooklyn, NY \"BK\"",
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Tokens that the templates of [`Words`] add around namespace words.
    const TEMPLATE_TOKENS: &[&str] = &["The", "&", "of", "the", "(Live)", "(Remix)"];

    fn tokens(words: &Words) -> BTreeSet<&'static str> {
        let lists = [
            words.adjectives,
            words.nouns,
            words.first_names,
            words.last_names,
            words.title_words,
        ];
        lists.iter().flat_map(|l| l.iter().copied()).collect()
    }

    /// The no-false-match guarantee rests on this.
    #[test]
    fn namespaces_are_disjoint_single_tokens() {
        let (cat, unk) = (tokens(&CATALOGUE), tokens(&UNKNOWN));
        for w in cat.iter().chain(&unk).chain(TEMPLATE_TOKENS) {
            assert!(!w.is_empty() && !w.contains(' '), "{w:?}");
        }
        assert!(
            cat.is_disjoint(&unk),
            "{:?}",
            cat.intersection(&unk).collect::<Vec<_>>()
        );
        let fixed: BTreeSet<_> = TEMPLATE_TOKENS.iter().copied().collect();
        assert!(cat.is_disjoint(&fixed) && unk.is_disjoint(&fixed));
    }
}
