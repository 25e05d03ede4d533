namespace ServiceDesk.Core.Knowledge;

/// <summary>An article as the search sees it: immutable, detached from the database.</summary>
public sealed record KnowledgeEntry(long Id, string Slug, string Language, string Title, string Body, IReadOnlyList<string> Keywords, string? ServiceCode);

public sealed record KnowledgeHit(KnowledgeEntry Article, double Score);

/// <summary>
/// Okapi BM25 over the title, keywords and body of each article, with per-field weights (BM25F
/// style: a word in the title counts more than one in the body). Each language has its own
/// statistics, because the document frequencies of Spanish and English words have nothing to say
/// about each other. Immutable once built, so searches need no locks.
/// </summary>
public sealed class Bm25Index
{
    // The usual defaults: term-frequency saturation and length normalisation.
    private const double K1 = 1.2;
    private const double B = 0.75;
    private const double TitleWeight = 3.0;
    private const double KeywordsWeight = 2.0;
    private const double BodyWeight = 1.0;

    private readonly Dictionary<string, Partition> _byLanguage;
    private readonly Partition _all;

    public Bm25Index(IEnumerable<KnowledgeEntry> entries)
    {
        var documents = entries.Select(Document.From).ToList();
        _all = new Partition(documents);
        _byLanguage = documents.GroupBy(d => d.Entry.Language, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new Partition([.. g]), StringComparer.Ordinal);
    }

    public int Count => _all.Size;

    /// <summary>The best matches for a query, best first; articles sharing no term with it are left out.</summary>
    /// <param name="language">Only articles in this language; all languages when null.</param>
    public IReadOnlyList<KnowledgeHit> Search(string query, string? language, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var partition = language is null ? _all : _byLanguage.GetValueOrDefault(language);
        var terms = SearchText.Terms(query).Distinct(StringComparer.Ordinal).ToList();
        if (partition is null || terms.Count == 0)
        {
            return [];
        }

        return partition.Score(terms)
            .OrderByDescending(h => h.Score)
            .ThenBy(h => h.Article.Id)
            .Take(limit)
            .ToList();
    }

    private sealed class Document
    {
        public required KnowledgeEntry Entry { get; init; }

        /// <summary>Weighted frequency of each term over the three fields.</summary>
        public required Dictionary<string, double> Frequencies { get; init; }

        public required double Length { get; init; }

        public static Document From(KnowledgeEntry entry)
        {
            var frequencies = new Dictionary<string, double>(StringComparer.Ordinal);
            var length = 0.0;
            void Add(string? text, double weight)
            {
                foreach (var term in SearchText.Terms(text))
                {
                    frequencies[term] = frequencies.GetValueOrDefault(term) + weight;
                    length += weight;
                }
            }

            Add(entry.Title, TitleWeight);
            Add(string.Join(' ', entry.Keywords), KeywordsWeight);
            Add(entry.Body, BodyWeight);
            return new Document { Entry = entry, Frequencies = frequencies, Length = length };
        }
    }

    private sealed class Partition
    {
        private readonly List<Document> _documents;
        private readonly Dictionary<string, List<Document>> _postings = new(StringComparer.Ordinal);
        private readonly double _averageLength;

        public Partition(List<Document> documents)
        {
            _documents = documents;
            _averageLength = documents.Count == 0 ? 1 : Math.Max(documents.Average(d => d.Length), 1);
            foreach (var document in documents)
            {
                foreach (var term in document.Frequencies.Keys)
                {
                    if (!_postings.TryGetValue(term, out var list))
                    {
                        _postings[term] = list = [];
                    }

                    list.Add(document);
                }
            }
        }

        public int Size => _documents.Count;

        public IEnumerable<KnowledgeHit> Score(IReadOnlyList<string> terms)
        {
            var scores = new Dictionary<Document, double>();
            foreach (var term in terms)
            {
                if (!_postings.TryGetValue(term, out var postings))
                {
                    continue;
                }

                // The BM25 idf, kept positive even for a term found in most articles.
                var idf = Math.Log(1 + ((_documents.Count - postings.Count + 0.5) / (postings.Count + 0.5)));
                foreach (var document in postings)
                {
                    var tf = document.Frequencies[term];
                    var norm = K1 * (1 - B + (B * document.Length / _averageLength));
                    scores[document] = scores.GetValueOrDefault(document) + (idf * tf * (K1 + 1) / (tf + norm));
                }
            }

            return scores.Select(s => new KnowledgeHit(s.Key.Entry, Math.Round(s.Value, 4)));
        }
    }
}
