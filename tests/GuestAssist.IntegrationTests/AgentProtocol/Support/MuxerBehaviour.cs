namespace GuestAssist.IntegrationTests.AgentProtocol.Support;

public enum MuxerBehaviour
{
    /// <summary>Like Firecracker: OK to a listening guest port, close when nothing listens.</summary>
    Faithful,

    /// <summary>Answers CONNECT with the configured garbage and keeps the connection open.</summary>
    AnswersGarbage,

    /// <summary>Reads CONNECT and never answers.</summary>
    NeverAnswers,
}
