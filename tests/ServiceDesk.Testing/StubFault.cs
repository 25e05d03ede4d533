namespace ServiceDesk.Testing;

/// <summary>How a peer stub misbehaves after it has read (and recorded) a request.</summary>
public enum StubFault
{
    None,

    /// <summary>Never answers: the client's timeout fires after the peer had the request.</summary>
    NoAnswer,

    /// <summary>Starts the answer, then drops the connection halfway through it.</summary>
    ResetMidResponse,
}
