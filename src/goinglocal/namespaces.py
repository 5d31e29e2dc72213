"""The project's namespaces. GL is a closed rdflib DefinedNamespace: a typo
such as GL.locatedInn raises AttributeError instead of minting a new term,
and a test checks that every term listed here is defined in ontology/."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace, Namespace as _NS

ID_BASE = "https://w3id.org/goinglocal/id/"
ONTOLOGY_BASE = "https://w3id.org/goinglocal/ontology#"
ONTOLOGY_IRI = "https://w3id.org/goinglocal/ontology"
ID = Namespace(ID_BASE)
SECTOR = Namespace(ID_BASE + "sector/")
GRAPH_ASSERTED = ID_BASE + "graph/asserted"
GRAPH_INFERRED = ID_BASE + "graph/inferred"


class GL(DefinedNamespace):
    """Terms of the goinglocal ontology used by the code."""

    _NS = _NS(ONTOLOGY_BASE)
    _fail = True

    Actor: URIRef; Organization: URIRef; Person: URIRef; Post: URIRef
    Locality: URIRef; Country: URIRef; FirstLevelUnit: URIRef; Municipality: URIRef
    MacroRegion: URIRef; ChineseLocality: URIRef; LACLocality: URIRef
    ChineseActor: URIRef; LACActor: URIRef
    Agreement: URIRef; TwinningAgreement: URIRef; Project: URIRef; Engagement: URIRef
    Source: URIRef; Citation: URIRef; FactBearing: URIRef; Figure: URIRef
    PolicyDocument: URIRef; DiplomaticRecognition: URIRef; Partnership: URIRef; Mechanism: URIRef
    LatinAmericaAndCaribbean: URIRef; ChinaRegion: URIRef
    evidence: URIRef; locatedIn: URIRef; twinnedWith: URIRef; hasParty: URIRef
    inSource: URIRef; footnote: URIRef; url: URIRef; locator: URIRef; seedFile: URIRef
    isoCode: URIRef; homePlace: URIRef; governs: URIRef; date: URIRef
    hasTopic: URIRef; partyTo: URIRef; activeIn: URIRef; eventPlace: URIRef; concernsPlace: URIRef; participatedIn: URIRef
    hasParticipant: URIRef; TechnologyProject: URIRef; SafeCityProject: URIRef; projectLocation: URIRef
    editorialNote: URIRef; conflictNote: URIRef; slipNote: URIRef; derivationNote: URIRef
    # qualified relations (ontology/qualified.ttl)
    QualifiedRelation: URIRef; Participation: URIRef; Bid: URIRef; StatusChange: URIRef; StakeTransaction: URIRef
    Membership: URIRef; Item: URIRef; Claim: URIRef; Section: URIRef; ValueStatement: URIRef
    FreeTradeAgreement: URIRef; Review: URIRef
    qualifiedParticipation: URIRef; participant: URIRef; participantRole: URIRef; participantOffice: URIRef
    representedPlace: URIRef; representedBody: URIRef; representedAt: URIRef; representedIn: URIRef
    participationIn: URIRef; headcount: URIRef; hostedBy: URIRef; speaker: URIRef; signatory: URIRef
    lender: URIRef; investor: URIRef; supplier: URIRef; bidder: URIRef; hasBid: URIRef; bidBy: URIRef; bidOutcome: URIRef
    partOfProject: URIRef; hasComponent: URIRef; componentPlace: URIRef; statusHistory: URIRef; newStatus: URIRef
    changedBy: URIRef; buyer: URIRef; seller: URIRef; stakeIn: URIRef; stakeTransaction: URIRef; sharePercent: URIRef
    stakeholder: URIRef; operates: URIRef; stakePlace: URIRef; member: URIRef; hasMembership: URIRef
    organization: URIRef; parentOrganization: URIRef; memberOf: URIRef; membershipKind: URIRef; membershipRole: URIRef
    gave: URIRef; recipient: URIRef; donor: URIRef; claimKind: URIRef; claimedBy: URIRef; outcome: URIRef
    inSection: URIRef; sectionOf: URIRef; sectionKind: URIRef; sectionOrder: URIRef; qualifiedValue: URIRef
    ofProperty: URIRef; statedValue: URIRef; statedIn: URIRef; valueRank: URIRef; unlinkedMention: URIRef
    partOfOrganization: URIRef; financier: URIRef; operator: URIRef; quantity: URIRef; about: URIRef
